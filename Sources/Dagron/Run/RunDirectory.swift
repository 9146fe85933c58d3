public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The directory one `dagron run` keeps its files in:
///
/// ```
/// <run dir>/
///   run.json                  the manifest: pipeline, process id, nodes, gates (RunManifest)
///   result.json               the result, written when the run ends (RunReport)
///   logs/<node>.stdout.log    each command's standard output, all attempts
///   logs/<node>.stderr.log    each command's standard error, all attempts
///   gates/<gate>.status       the gate's current status, kept up to date by the run
///   gates/<gate>.decision     an approval or rejection from another process (GateDecision)
/// ```
///
/// By default runs go to `.dagron/runs/<pipeline>-<timestamp>` (see
/// ``makeFresh(under:pipeline:now:)``) and `.dagron/runs/latest` links to
/// the newest (``markLatest(under:startedAt:)``).
public struct RunDirectory: Sendable {
    /// The directory's path, as given (what messages show).
    public let path: String
    /// The directory as an absolute path (resolved against
    /// ``InvocationDirectory`` when created): where the run's files are read
    /// and written, whatever the process's working directory is by then, and
    /// what node commands see in `DAGRON_RUN_DIR`.
    public let absolutePath: String

    /// The run directory at `path` (nothing is created).
    public init(path: String) {
        self.path = path
        absolutePath = InvocationDirectory.resolve(path)
    }

    /// The manifest's path.
    public var manifestPath: String { "\(absolutePath)/run.json" }
    /// The result's path.
    public var resultPath: String { "\(absolutePath)/result.json" }
    /// The logs folder.
    public var logsPath: String { "\(absolutePath)/logs" }
    /// The gates folder.
    public var gatesPath: String { "\(absolutePath)/gates" }

    /// The log files of `node`.
    public func logs(for node: String) -> NodeLogFiles {
        NodeLogFiles(directory: logsPath, node: node)
    }

    /// Where the status of gate `name` is kept.
    public func gateStatusPath(_ name: String) -> String { "\(gatesPath)/\(name).status" }
    /// Where a decision for gate `name` is dropped.
    public func gateDecisionPath(_ name: String) -> String { "\(gatesPath)/\(name).decision" }

    /// Creates the directory (if needed) and its `logs` and `gates` folders.
    public func create() throws {
        for folder in [absolutePath, logsPath, gatesPath] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    /// Creates a new directory under `base` for a run of `pipeline` and returns it:
    /// `<base>/<pipeline>-<yyyyMMdd-HHmmss>[-N]`, with characters other than
    /// letters, digits, `_`, `-` and `.` in the name written `-`.
    ///
    /// `base` is created with its parents if needed; the run directory itself
    /// is created with one `mkdir`, which fails if the name exists, and the
    /// next suffix is tried. So runs started at the same moment in the same
    /// folder each get a directory of their own.
    public static func makeFresh(under base: String, pipeline: String, now: Date = Date()) throws -> RunDirectory {
        // Files are made at absolute paths; the directory keeps `base` as given for messages.
        let root = InvocationDirectory.resolve(base)
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            // Another run may have created it a moment ago.
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw error
            }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let safe = String(
            pipeline.map {
                $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") ? $0 : "-"
            })
        let name = "\(safe.hasPrefix(".") ? "-" + safe.dropFirst() : safe)-\(formatter.string(from: now))"
        for number in 1...10_000 {
            let candidate = number == 1 ? name : "\(name)-\(number)"
            if mkdir("\(root)/\(candidate)", 0o755) == 0 { return RunDirectory(path: "\(base)/\(candidate)") }
            let error = errno
            guard error == EEXIST else { throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO) }
        }
        throw POSIXError(.EEXIST)
    }

    /// Points `<base>/latest` at this directory unless it already points at
    /// a newer run: the run whose manifest (`run.json`) has the later
    /// `startedAt` (the directory name breaks ties). `startedAt` is this
    /// run's, as in its manifest.
    ///
    /// The link is replaced atomically (a new symbolic link renamed over
    /// it), and runs in the same `base` take turns through an advisory lock
    /// on `base`, so concurrent runs leave it pointing at the newest of them.
    /// - Returns: Whether the link now points here.
    @discardableResult
    public func markLatest(under given: String, startedAt: Double) throws -> Bool {
        let base = InvocationDirectory.resolve(given)
        let baseDescriptor = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard baseDescriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(baseDescriptor) }
        while flock(baseDescriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        defer { flock(baseDescriptor, LOCK_UN) }

        let link = "\(base)/latest"
        let name = (path as NSString).lastPathComponent
        if let current = try? FileManager.default.destinationOfSymbolicLink(atPath: link), current != name {
            let target = current.hasPrefix("/") ? current : "\(base)/\(current)"
            if let other = try? Self.readJSON(RunManifest.self, from: RunDirectory(path: target).manifestPath),
                (other.startedAt, (current as NSString).lastPathComponent) > (startedAt, name)
            {
                return false
            }
        }
        let temporary = "\(base)/.latest-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard symlink(name, temporary) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard rename(temporary, link) == 0 else {
            let error = errno
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO)
        }
        return true
    }

    /// Writes `value` as JSON to `path`, atomically.
    public static func writeJSON<Value: Encodable>(_ value: Value, to path: String) throws {
        var data = try DocumentJSON.encoder().encode(value)
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads JSON from `path`.
    public static func readJSON<Value: Decodable>(_ type: Value.Type, from path: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
