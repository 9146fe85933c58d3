/// One setting a plugin declares in its ``PluginSettingsSchema``: its key,
/// the form of its values, its default, whether it is required or secret,
/// and one line of help.
///
/// ```swift
/// PluginSetting("max_retries", .integer(IntegerBounds(0...20)), default: "3",
///               help: "Attempts after a failed request.")
/// PluginSetting("api_token", .text, required: true, secret: true,
///               help: "The service's API token.")
/// ```
///
/// The host checks a value against ``kind`` with the same readers (and the
/// same error wording) as ``PluginSettings``'s typed accessors, so a plugin
/// may keep reading its settings with those in ``DagronPlugin/configure(_:)``.
public struct PluginSetting: Sendable, Equatable, Codable {
    /// The form a setting's values take.
    public enum Kind: Sendable, Equatable, Codable, CustomStringConvertible {
        /// Any text; the plugin checks it in ``DagronPlugin/configure(_:)``.
        case text
        /// A plain integer within the bounds (as ``PluginSettings/int(_:default:within:)`` reads it).
        case integer(IntegerBounds)
        /// A plain number of seconds within the bounds (as ``PluginSettings/seconds(_:default:within:)`` reads it).
        case seconds(DurationBounds)
        /// A duration within the bounds: a number of seconds, or numbers
        /// with units `ms`, `s`, `m`, `h` (`1500ms`, `2m`, `1m30s`).
        case duration(DurationBounds)
        /// `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0` (as ``PluginSettings/bool(_:default:)`` reads it).
        case boolean
        /// Exactly one of the values (as ``PluginSettings/choice(_:in:default:)`` reads it).
        case choice([String])
        /// The path of a file the plugin writes, in a folder that exists (as ``PluginSettings/filePath(_:)`` reads it).
        case filePath

        /// The kind's short name: `text`, `integer`, `seconds`, `duration`, `boolean`, `choice` or `file path`.
        public var name: String {
            switch self {
            case .text: "text"
            case .integer: "integer"
            case .seconds: "seconds"
            case .duration: "duration"
            case .boolean: "boolean"
            case .choice: "choice"
            case .filePath: "file path"
            }
        }

        /// The accepted values in words (`from 0 to 20`, `one of a, b`), or
        /// an empty string when any value of the kind is accepted.
        public var allowed: String {
            switch self {
            case .text, .filePath, .boolean: ""
            case .integer(let bounds): bounds.description
            case .seconds(let bounds), .duration(let bounds): bounds.description
            case .choice(let values): "one of " + values.joined(separator: ", ")
            }
        }

        /// The name followed by the accepted values (`integer from 0 to 20`),
        /// or for a choice the values alone (`one of text, json`).
        public var description: String {
            switch self {
            case .choice: allowed
            case .text, .filePath, .boolean: name
            case .integer, .seconds, .duration: "\(name) \(allowed)"
            }
        }
    }

    /// The key users set (`plugins.NAME.KEY` in a pipeline, `--set NAME.KEY=VALUE`).
    public let key: String
    /// The form of the values.
    public let kind: Kind
    /// The value used when the setting is not given, as text; `nil` when
    /// there is none (the setting is then off, or required).
    public let defaultValue: String?
    /// Whether the setting must be given (the host reports it missing otherwise).
    public let isRequired: Bool
    /// Whether the value is a secret (a token, a webhook URL, a password):
    /// hosts never display it, in tables, errors or logs.
    public let isSecret: Bool
    /// One line saying what the setting does.
    public let help: String

    /// Declares a setting.
    /// - Parameters:
    ///   - key: The key.
    ///   - kind: The form of the values.
    ///   - defaultValue: The value used when the setting is not given, as text.
    ///   - required: Whether the setting must be given.
    ///   - secret: Whether the value is a secret.
    ///   - help: One line saying what the setting does.
    public init(
        _ key: String, _ kind: Kind, default defaultValue: String? = nil,
        required: Bool = false, secret: Bool = false, help: String
    ) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.isRequired = required
        self.isSecret = secret
        self.help = help
    }

    /// What is wrong with `value` for this setting of `plugin`, or `nil`
    /// when it is accepted. The error's value is hidden for a secret setting.
    public func problem(with value: String, plugin: String) -> PluginSettingsError? {
        let settings = PluginSettings(plugin: plugin, [key: value])
        do throws(PluginSettingsError) {
            switch kind {
            case .text: return nil
            case .integer(let bounds): _ = try settings.int(key, default: 0, within: bounds)
            case .seconds(let bounds): _ = try settings.seconds(key, default: 0, within: bounds)
            case .duration(let bounds):
                guard let seconds = Self.durationSeconds(value), bounds.contains(seconds) else {
                    throw .malformed(
                        plugin: plugin, key: key, value: value, expected: "a duration such as 2 or \"2s\", \(bounds)")
                }
            case .boolean: _ = try settings.bool(key, default: false)
            case .choice(let values): _ = try settings.choice(key, in: values, default: "")
            case .filePath: _ = try settings.filePath(key)
            }
            return nil
        } catch {
            guard isSecret, case .malformed(let plugin, let key, _, let expected) = error else { return error }
            return .malformed(plugin: plugin, key: key, value: PluginSetting.hiddenValue, expected: expected)
        }
    }

    /// What an error shows instead of a secret setting's value.
    public static let hiddenValue = "(a secret, not shown)"

    /// `text` as seconds: a plain number, or numbers with units (`1m30s`, `1500ms`); `nil` otherwise.
    static func durationSeconds(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces
        if let plain = Double(trimmed) { return plain.isFinite ? plain : nil }
        var rest = trimmed[...]
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scales: [Substring: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3_600]
            guard let value = Double(number), value.isFinite, let scale = scales[unit] else { return nil }
            total += value * scale
        }
        return total.isFinite ? total : nil
    }
}
