import DagronSDK
import Foundation

/// The `timing` plugin's settings, validated.
struct TimingSettings: Sendable {
    /// The settings the plugin declares: what the host checks before `configure`.
    static let schema: PluginSettingsSchema = [
        PluginSetting(
            "output", .text, default: "stderr", help: "Where the table goes: stderr, stdout, or a file to append to."),
        PluginSetting("json", .filePath, help: "Also write the timings as JSON to this file."),
        PluginSetting("top", .integer(topBounds), default: "0", help: "Show only the N slowest nodes (0: all)."),
    ]

    /// Where the table goes.
    enum Output: Sendable, Equatable {
        case standardError
        case standardOutput
        case file(String)
    }

    var output: Output
    var json: String?
    var top: Int

    /// Reads and validates `settings`; throws a ``PluginSettingsError`` naming
    /// the key (the folders of `output` and `json` must exist).
    init(_ settings: PluginSettings) throws {
        try settings.rejectUnknownKeys(allowed: ["output", "json", "top"])
        switch settings.string("output", default: "stderr") {
        case "stderr", "-": output = .standardError
        case "stdout": output = .standardOutput
        case "": throw PluginSettingsError.missing(plugin: settings.plugin, key: "output")
        case let path:
            // Checks the folder; absolute, so the table lands where the user
            // meant whatever the working directory is when it is written.
            output = .file(try settings.filePath("output") ?? path)
        }
        json = try settings.filePath("json")
        top = try settings.int("top", default: 0, within: Self.topBounds)
    }

    /// `top`: from 0 (every node) to 100000.
    static let topBounds = IntegerBounds(0...100_000)

    /// Appends `table` to the output: on the user's terminal through the
    /// host's console (``HostConsole``, never glued onto `dagron run`'s
    /// status line), or to the file.
    func write(table: String) throws {
        switch output {
        case .standardError: HostConsole.printBlock(table, to: .error)
        case .standardOutput: HostConsole.printBlock(table, to: .output)
        case .file(let path):
            let data = Data(table.utf8)
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

/// One line on standard error, through the host's console.
enum StandardErrorLine {
    static func write(_ line: String) {
        HostConsole.print(line, to: .error)
    }
}
