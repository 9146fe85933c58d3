import DagronSDK
import Foundation

/// The `timing` plugin's settings, validated.
struct TimingSettings: Sendable {
    /// Where the table goes.
    enum Output: Sendable, Equatable {
        case standardError
        case standardOutput
        case file(String)
    }

    var output: Output
    var json: String?
    var top: Int

    /// Reads and validates `settings`; throws a ``PluginSettingsError`` naming the key.
    init(_ settings: PluginSettings) throws {
        try settings.rejectUnknownKeys(allowed: ["output", "json", "top"])
        switch settings.string("output", default: "stderr") {
        case "stderr", "-": output = .standardError
        case "stdout": output = .standardOutput
        case "": throw PluginSettingsError.missing(plugin: settings.plugin, key: "output")
        case let path: output = .file(path)
        }
        if let path = settings["json"] {
            guard !path.isEmpty else { throw PluginSettingsError.missing(plugin: settings.plugin, key: "json") }
            json = path
        }
        top = try settings.int("top", default: 0, within: Self.topBounds)
    }

    /// `top`: from 0 (every node) to 100000.
    static let topBounds = IntegerBounds(0...100_000)

    /// Fails early (at `configure`, so `dagron validate` sees it too) when a
    /// file setting points into a folder that does not exist.
    func checkWritable() throws {
        var paths: [(key: String, path: String)] = []
        if case .file(let path) = output { paths.append(("output", path)) }
        if let json { paths.append(("json", json)) }
        for (key, path) in paths {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw PluginSettingsError.malformed(
                    plugin: "timing", key: key, value: path, expected: "a file in an existing folder ('\(folder)' is not one)")
            }
        }
    }

    /// Appends `table` to the output.
    func write(table: String) throws {
        let data = Data(table.utf8)
        switch output {
        case .standardError: FileHandle.standardError.write(data)
        case .standardOutput: FileHandle.standardOutput.write(data)
        case .file(let path):
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw TimingSettingsError(key: "output", path: path, reason: "cannot create the file")
                }
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        }
    }
}

/// A file setting of the `timing` plugin cannot be used.
struct TimingSettingsError: Error, CustomStringConvertible {
    let key: String
    let path: String
    let reason: String
    var description: String { "plugin 'timing': setting '\(key)' is '\(path)': \(reason)" }
}

/// One line on standard error.
enum StandardErrorLine {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
