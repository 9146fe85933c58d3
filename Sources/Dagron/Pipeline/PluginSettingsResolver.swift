@_spi(DagronHost) public import DagronSDK

/// Merges a plugin's settings from their sources, lowest precedence first
/// (the plugin's manifest defaults lie below them all, applied by the loader):
///
/// 1. the user configuration file's `plugins.<name>` table (``UserConfig``), `${VAR}` expanded;
/// 2. the pipeline file's `plugins.<name>` table, with `${VAR}` expanded from the environment;
/// 3. environment variables `DAGRON_PLUGIN_<NAME>_<KEY>` (name and key upper-cased,
///    every character other than a letter or digit written `_`; the key is read back lower-cased);
/// 4. `--set <name>.<key>=<value>` on the command line.
///
/// A later source overrides an earlier one key by key.
///
/// ```swift
/// let resolver = try PluginSettingsResolver(environment: env, overrides: ["dashboard.port=9000"])
/// let settings = try resolver.settings(for: "dashboard", declared: pipeline.plugins.first, file: pipeline.path)
/// ```
public struct PluginSettingsResolver: Sendable {
    /// One `--set` assignment.
    public struct Override: Sendable, Equatable {
        /// The plugin.
        public var plugin: String
        /// The setting.
        public var key: String
        /// The value.
        public var value: String

        /// Parses `plugin.key=value`.
        /// - Throws: ``PluginSettingsResolver/SettingError/malformedOverride(_:)``.
        public init(parsing text: String) throws(SettingError) {
            guard let equals = text.firstIndex(of: "=") else { throw .malformedOverride(text) }
            let target = text[..<equals]
            guard let dot = target.firstIndex(of: "."), dot != target.startIndex,
                target.index(after: dot) < target.endIndex
            else {
                throw .malformedOverride(text)
            }
            plugin = String(target[..<dot])
            key = String(target[target.index(after: dot)...])
            value = String(text[text.index(after: equals)...])
        }
    }

    /// A setting that cannot be resolved.
    public enum SettingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// A `--set` not of the form `plugin.key=value`.
        case malformedOverride(String)
        /// A `${VAR}` in the pipeline file that cannot be expanded.
        case expansion(PipelineIssue)

        /// A sentence naming the setting.
        public var description: String {
            switch self {
            case .malformedOverride(let text):
                "--set '\(text)': expected PLUGIN.KEY=VALUE, for example --set dashboard.port=9000"
            case .expansion(let issue): issue.description
            }
        }
    }

    /// The prefix of plugin settings in the environment.
    public static let environmentPrefix = "DAGRON_PLUGIN_"

    /// The process environment (for `${VAR}` and `DAGRON_PLUGIN_*`).
    public let environment: [String: String]
    /// The `--set` assignments, in command-line order (a later one wins).
    public let overrides: [Override]
    /// The user configuration file, whose settings rank below the pipeline file's.
    public let userConfig: UserConfig?

    /// Creates a resolver.
    /// - Throws: ``SettingError/malformedOverride(_:)`` for a bad `--set`.
    public init(environment: [String: String], overrides: [String], userConfig: UserConfig? = nil) throws(SettingError)
    {
        self.environment = environment
        self.userConfig = userConfig
        var parsed: [Override] = []
        for text in overrides { parsed.append(try Override(parsing: text)) }
        self.overrides = parsed
    }

    /// The environment variable name prefix for `plugin`: `DAGRON_PLUGIN_EVENT_RECORDER_`.
    public static func environmentPrefix(for plugin: String) -> String {
        environmentPrefix + variableWord(plugin) + "_"
    }

    /// The environment variable that sets `key` of `plugin`: `DAGRON_PLUGIN_EVENT_RECORDER_FILE`.
    public static func environmentVariable(plugin: String, key: String) -> String {
        environmentPrefix(for: plugin) + variableWord(key)
    }

    private static func variableWord(_ text: String) -> String {
        String(text.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// The merged settings of `plugin`.
    /// - Parameters:
    ///   - plugin: The plugin's name.
    ///   - declared: Its entry in the pipeline file, if any.
    ///   - file: The pipeline file, for messages.
    /// - Throws: ``SettingError/expansion(_:)`` naming file, line and key.
    public func settings(for plugin: String, declared: PluginDeclaration?, file: String) throws(SettingError)
        -> PluginSettings
    {
        var values: [String: String] = [:]
        let expander = VariableExpander(environment)
        let layers = [(userConfig?.declaration(of: plugin), userConfig?.path ?? ""), (declared, file)]
        for (declaration, file) in layers {
            for (key, setting) in declaration?.settings ?? [:] {
                do {
                    values[key] = try expander.expand(setting.raw)
                } catch {
                    throw .expansion(
                        PipelineIssue(
                            file: file, line: setting.line, column: setting.column, key: "plugins.\(plugin).\(key)",
                            message: error.description))
                }
            }
        }
        let prefix = Self.environmentPrefix(for: plugin)
        for (name, value) in environment where name.hasPrefix(prefix) && name.count > prefix.count {
            values[String(name.dropFirst(prefix.count)).lowercased()] = value
        }
        for override in overrides where override.plugin == plugin {
            values[override.key] = override.value
        }
        return PluginSettings(plugin: plugin, values)
    }

    /// The plugins named in `--set` assignments.
    public var pluginsWithOverrides: [String] {
        var seen = Set<String>()
        return overrides.map(\.plugin).filter { seen.insert($0).inserted }
    }
}
