import Dagron
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Standard output kept for one document (`dagron run --json`).
///
/// ``reserve()`` keeps a private duplicate of descriptor 1 and points
/// descriptor 1 at standard error. Whatever else writes to standard output
/// from then on (a plugin's `print`, a library, the host itself) lands on
/// standard error, and only ``writeAll(_:)`` reaches the real standard output.
/// Reserve before any plugin is loaded.
final class ReservedStandardOutput: Sendable {
    /// The private duplicate of the original standard output.
    let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Why standard output could not be reserved.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Duplicates descriptor 1 (close-on-exec, so no child inherits it) and
    /// makes descriptor 1 a duplicate of descriptor 2.
    static func reserve() throws -> ReservedStandardOutput {
        fflush(nil)
        let saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        guard saved >= 0 else {
            throw Failure(description: "cannot duplicate standard output: \(String(cString: strerror(errno)))")
        }
        while dup2(STDERR_FILENO, STDOUT_FILENO) < 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(saved)
                throw Failure(description: "cannot point standard output at standard error: \(reason)")
            }
        }
        return ReservedStandardOutput(descriptor: saved)
    }

    /// Writes all of `data` to the original standard output (a closed
    /// reader is ignored, as for any other output).
    func writeAll(_ data: Data) {
        try? DescriptorWriting.writeAll(data, to: descriptor)
    }
}
