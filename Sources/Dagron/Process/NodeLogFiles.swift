import Foundation
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The two log files of one node in a run directory:
/// `logs/<node>.stdout.log` and `logs/<node>.stderr.log`.
///
/// Attempts append, so a retried node's logs hold every attempt, each
/// after a `--- attempt N ---` line written by ``markAttempt(_:)``.
public struct NodeLogFiles: Sendable {
    /// The standard output log's path.
    public let standardOutputPath: String
    /// The standard error log's path.
    public let standardErrorPath: String

    /// The log files of `node` in `directory`.
    public init(directory: String, node: String) {
        self.init(
            standardOutputPath: "\(directory)/\(node).stdout.log", standardErrorPath: "\(directory)/\(node).stderr.log")
    }

    /// The log files at these two paths (an executor's ``NodeJob`` names them).
    public init(standardOutputPath: String, standardErrorPath: String) {
        self.standardOutputPath = standardOutputPath
        self.standardErrorPath = standardErrorPath
    }

    /// The directory holding standard output's file.
    public var directory: String {
        URL(fileURLWithPath: standardOutputPath).deletingLastPathComponent().path
    }

    func openStandardOutput() throws -> FileDescriptor {
        try open(standardOutputPath)
    }

    func openStandardError() throws -> FileDescriptor {
        try open(standardErrorPath)
    }

    /// Opens `path` for appending (`0644` when created; only if it does not
    /// exist yet when `exclusively`). Calls `open(2)` itself: `FilePath` would
    /// normalize the path again on every call, a few µs for every node.
    private func open(_ path: String, exclusively: Bool = false) throws -> FileDescriptor {
        // A NUL byte would cut the path short: another file would be opened.
        guard !path.utf8.contains(0) else { throw Errno.invalidArgument }
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (exclusively ? O_EXCL : 0)
        while true {
            let descriptor = path.withCString { Self.openFile($0, flags, 0o644) }
            if descriptor >= 0 { return FileDescriptor(rawValue: descriptor) }
            guard errno == EINTR else { throw Errno(rawValue: errno) }
        }
    }

    /// `open(2)` (the method above hides the C function's name).
    private static func openFile(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
        #if canImport(Glibc)
            Glibc.open(path, flags, mode)
        #else
            Musl.open(path, flags, mode)
        #endif
    }

    /// Creates each of the two files that does not exist yet, empty, and
    /// says which it created; one that exists is left as it is, and a
    /// failure is left to the attempt's own open. When it created both, it
    /// also returns them open for appending (else it closes what it opened).
    func createAbsent() -> (created: (standardOutput: Bool, standardError: Bool), opened: OpenedLogFiles?) {
        let output = try? open(standardOutputPath, exclusively: true)
        let error = try? open(standardErrorPath, exclusively: true)
        let created = (standardOutput: output != nil, standardError: error != nil)
        guard let output, let error else {
            try? output?.close()
            try? error?.close()
            return (created, nil)
        }
        return (created, OpenedLogFiles(standardOutput: output, standardError: error))
    }

    /// Removes the files ``createAbsent()`` says it created.
    func remove(created: (standardOutput: Bool, standardError: Bool)) {
        if created.standardOutput { unlink(standardOutputPath) }
        if created.standardError { unlink(standardErrorPath) }
    }

    /// Appends `--- attempt N ---` to both logs (for attempts after the first).
    public func markAttempt(_ attempt: Int) {
        let line = Data("--- attempt \(attempt) ---\n".utf8)
        for path in [standardOutputPath, standardErrorPath] {
            guard let descriptor = try? open(path) else { continue }
            _ = try? descriptor.writeAll(line)
            try? descriptor.close()
        }
    }

    /// The size of the standard error log now: where a new attempt's lines start.
    /// (One `stat`: it is asked for before every attempt.)
    public func stderrSize() -> UInt64 {
        var status = stat()
        guard stat(standardErrorPath, &status) == 0, status.st_size > 0 else { return 0 }
        return UInt64(status.st_size)
    }

    /// The last `lines` lines written to standard error since `offset`, at most 4 KiB.
    public func stderrTail(from offset: UInt64, lines: Int) -> String? {
        guard let handle = FileHandle(forReadingAtPath: standardErrorPath) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        guard size > offset else { return nil }
        let start = max(offset, size > 4096 ? size - 4096 : 0)
        try? handle.seek(toOffset: start)
        guard let data = try? handle.readToEnd(), !data.isEmpty else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        var kept = text.split(separator: "\n", omittingEmptySubsequences: false)
        if kept.last == "" { kept.removeLast() }
        let tail = kept.suffix(lines).joined(separator: "\n")
        return tail.isEmpty ? nil : tail
    }
}
