/// Where the value a plugin is configured with for one key comes from, so
/// that an error about the setting can point there: the pipeline file's
/// line and column, the `DAGRON_PLUGIN_*` variable, or the `--set`.
///
/// Its description is the prefix of such an error:
/// `etl.yml:7:22: plugins.slack-webhook.timeout_seconds`,
/// `environment variable DAGRON_PLUGIN_SLACK_WEBHOOK_TIMEOUT_SECONDS` or
/// `--set slack-webhook.timeout_seconds`.
public enum PluginSettingSource: Sendable, Equatable, CustomStringConvertible {
    /// The value written in the pipeline file or the user configuration file (or, for a setting the file
    /// does not give, the plugin's entry there: `column` is then 0).
    case file(path: String, line: Int, column: Int, key: String)
    /// A `DAGRON_PLUGIN_<NAME>_<KEY>` environment variable.
    case environment(variable: String)
    /// A `--set plugin.key=value` on the command line.
    case commandLine(plugin: String, key: String)

    /// The prefix of a message about the setting.
    public var description: String {
        switch self {
        case .file(let path, let line, let column, let key):
            "\(PipelineIssue.position(path, line, column)): \(key)"
        case .environment(let variable): "environment variable \(variable)"
        case .commandLine(let plugin, let key): "--set \(plugin).\(key)"
        }
    }
}

extension PluginSettingsResolver {
    /// Where the value of `key` that ``settings(for:declared:file:)`` gives
    /// `plugin` comes from: the last source that sets it. For a key no source
    /// sets, the plugin's entry in the pipeline file or else the user
    /// configuration file if either has one; else `nil` (a manifest default,
    /// or a plugin named only with `--plugin`).
    public func source(of key: String, plugin: String, declared: PluginDeclaration?, file: String)
        -> PluginSettingSource?
    {
        if overrides.contains(where: { $0.plugin == plugin && $0.key == key }) {
            return .commandLine(plugin: plugin, key: key)
        }
        let prefix = Self.environmentPrefix(for: plugin)
        let variables = environment.keys.filter { $0.hasPrefix(prefix) && $0.count > prefix.count }
        if let variable = variables.sorted().first(where: { String($0.dropFirst(prefix.count)).lowercased() == key }) {
            return .environment(variable: variable)
        }
        let configured = userConfig?.declaration(of: plugin)
        if let setting = declared?.settings[key] {
            return .file(path: file, line: setting.line, column: setting.column, key: "plugins.\(plugin).\(key)")
        }
        if let userConfig, let setting = configured?.settings[key] {
            return .file(
                path: userConfig.path, line: setting.line, column: setting.column, key: "plugins.\(plugin).\(key)")
        }
        if let declared {
            return .file(path: file, line: declared.line, column: 0, key: "plugins.\(plugin)")
        }
        if let userConfig, let configured {
            return .file(path: userConfig.path, line: configured.line, column: 0, key: "plugins.\(plugin)")
        }
        return nil
    }
}
