import Foundation

/// Writes the exposition to a file for node_exporter's textfile collector,
/// atomically: a temporary file in the same folder, then `rename(2)`, so the
/// collector never reads a half-written file.
struct TextfileWriter: Sendable {
    let path: String

    /// Fails early when the folder does not exist.
    func check() throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TextfileError(path: path, reason: "folder '\(folder)' does not exist")
        }
    }

    func write(_ bytes: [UInt8]) throws {
        let temporary = path + ".tmp.\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw TextfileError(path: path, reason: "cannot write temporary file '\(temporary)'")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw TextfileError(path: path, reason: "cannot rename into place: \(reason)")
        }
    }
}

/// The textfile could not be written.
struct TextfileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "plugin 'prometheus-text': setting 'textfile' is '\(path)': \(reason)" }
}
