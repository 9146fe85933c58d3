import Foundation

/// A fresh directory under the system temporary directory, removed on `deinit`.
/// Created with mode 0755, so the loader's safety checks accept it.
final class TemporaryDirectory: Sendable {
    let path: String

    init(_ label: String = "dagron-host") throws {
        var template = Array((NSTemporaryDirectory() + "/\(label)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        path = (String(cString: made) as NSString).standardizingPath
        chmod(path, 0o755)
    }

    /// Creates (mode 0755) and returns the subdirectory `name`.
    func subdirectory(_ name: String) throws -> String {
        let sub = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: sub, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return sub
    }

    /// Writes `text` to `name` (relative to the directory) and returns the path.
    @discardableResult
    func write(_ text: String, to name: String, mode: Int = 0o644) throws -> String {
        let file = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, mode_t(mode))
        return file
    }

    /// Copies `source` to `name` (relative) with `mode` and returns the path.
    @discardableResult
    func copy(_ source: String, to name: String, mode: Int = 0o755) throws -> String {
        let file = path + "/" + name
        try? FileManager.default.removeItem(atPath: file)
        try FileManager.default.copyItem(atPath: source, toPath: file)
        chmod(file, mode_t(mode))
        return file
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
