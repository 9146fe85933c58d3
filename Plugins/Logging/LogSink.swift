import DagronSDK
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the plugin's own handler writes: a file opened for appending, or
/// standard error. Lines are buffered and written in large chunks (at 32 KiB,
/// whenever the ``EventLogQueue`` writer has caught up, and at ``close()``),
/// so logging every node of a large DAG costs few system calls.
final class LogSink: Sendable {
    private struct State: Sendable {
        var descriptor: Int32
        var buffer = LineBuffer()
        var ownsDescriptor: Bool
    }

    private static let flushThreshold = 32 * 1024
    private let state: Mutex<State>

    /// Opens `path` for appending (creating it), or uses standard error when `nil`.
    /// - Throws: ``LogFileError`` naming the file and the system's reason.
    init(path: String?) throws {
        guard let path else {
            state = Mutex(State(descriptor: 2, ownsDescriptor: false))
            return
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw LogFileError(path: path, reason: String(cString: strerror(errno)))
        }
        state = Mutex(
            State(descriptor: descriptor, buffer: LineBuffer(capacity: Self.flushThreshold * 2), ownsDescriptor: true))
    }

    /// Lets `render` append one line to the buffer (under the sink's lock,
    /// so lines never interleave); writes the buffer out when it is large.
    func write(_ render: (inout LineBuffer) -> Void) {
        state.withTrackedLock { state in
            guard state.descriptor >= 0 else { return }
            render(&state.buffer)
            if state.buffer.bytes.count >= Self.flushThreshold { Self.drain(&state) }
        }
    }

    /// Writes out whatever is buffered.
    func flush() {
        state.withTrackedLock { Self.drain(&$0) }
    }

    /// Flushes and closes the file. Later writes are dropped.
    func close() {
        state.withTrackedLock { state in
            Self.drain(&state)
            if state.ownsDescriptor && state.descriptor >= 0 {
                #if canImport(Glibc)
                    _ = Glibc.close(state.descriptor)
                #elseif canImport(Musl)
                    _ = Musl.close(state.descriptor)
                #else
                    _ = Darwin.close(state.descriptor)
                #endif
            }
            state.descriptor = -1
        }
    }

    private static func drain(_ state: inout State) {
        guard state.descriptor >= 0, !state.buffer.bytes.isEmpty else { return }
        state.buffer.bytes.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(state.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
        }
        state.buffer.removeAll()
    }
}

/// The log file could not be opened.
struct LogFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "plugin 'logging': cannot open log file '\(path)' (setting 'file'): \(reason)" }
}

private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(descriptor, buffer, count)
    #elseif canImport(Musl)
        Musl.write(descriptor, buffer, count)
    #else
        Darwin.write(descriptor, buffer, count)
    #endif
}
