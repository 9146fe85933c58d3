import DagronSDK
import Logging

/// The `logging` plugin's settings, validated.
struct LoggingSettings: Sendable {
    /// The settings the plugin declares: what the host checks before `configure`.
    static let schema: PluginSettingsSchema = [
        PluginSetting(
            "level", .choice(Logger.Level.allCases.map(\.rawValue)), default: "info",
            help: "The least severe level written."),
        PluginSetting(
            "format", .choice(Format.allCases.map(\.rawValue)), default: "text",
            help: "One line per record: text (logfmt style) or json."),
        PluginSetting("file", .filePath, help: "Append to this file instead of standard error."),
    ]

    /// How each record is written by the plugin's own handler.
    enum Format: String, Sendable, CaseIterable {
        /// `2026-11-29T10:00:00.123Z info node completed node=a status=completed duration=0.25`
        case text
        /// One JSON object per line.
        case json
    }

    /// The lowest level logged.
    var level: Logger.Level
    /// The line format of the plugin's own handler.
    var format: Format
    /// The file to append to, or `nil` for standard error (or the host's sink).
    var file: String?

    /// Reads and validates `settings`; throws a ``PluginSettingsError`` naming the key.
    init(_ settings: PluginSettings) throws {
        try settings.rejectUnknownKeys(allowed: ["level", "format", "file"])
        let levelName = try settings.choice(
            "level", in: Logger.Level.allCases.map(\.rawValue), default: Logger.Level.info.rawValue)
        level = Logger.Level(rawValue: levelName)!
        format = Format(rawValue: try settings.choice("format", in: Format.allCases.map(\.rawValue), default: "text"))!
        file = try settings.filePath("file")
    }
}
