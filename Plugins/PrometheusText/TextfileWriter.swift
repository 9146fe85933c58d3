import DagronSDK
import Foundation
import Synchronization

/// Writes the exposition to a file for node_exporter's textfile collector,
/// atomically: a temporary file in the same folder, then `rename(2)`, so the
/// collector never reads a half-written file.
///
/// Writes are serialized: two executions finishing at once on one registry
/// would otherwise share the temporary file (one renames it away under the
/// other), and the file could end with the older of two snapshots.
final class TextfileWriter: Sendable {
    let path: String
    private let writing = Mutex<Void>(())

    init(path: String) {
        self.path = path
    }

    /// Writes what `exposition` returns; it is called under the writer's
    /// lock, so the last write carries the newest snapshot.
    func write(_ exposition: () -> [UInt8]) throws {
        try writing.withTrackedLock { _ in
            let temporary = path + ".tmp.\(getpid())"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(exposition())) else {
                throw TextfileError(path: path, reason: "cannot write temporary file '\(temporary)'")
            }
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw TextfileError(path: path, reason: "cannot rename into place: \(reason)")
            }
        }
    }
}

/// The textfile could not be written.
struct TextfileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "plugin 'prometheus-text': setting 'textfile' is '\(path)': \(reason)" }
}
