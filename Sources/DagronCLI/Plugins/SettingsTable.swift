import Dagron
@_spi(DagronHost) import DagronSDK

/// The `settings:` block of `dagron plugins info`, one entry per declared
/// setting in the style of `gst-inspect`'s properties:
///
/// ```
/// settings:
///   max_retries            : Attempts after a failed post.
///                            integer from 0 to 20. Default: 3
///   webhook_url            : The incoming-webhook URL.
///                            text, required, secret (value never shown)
/// ```
enum SettingsTable {
    /// The block's lines for `schema` (`nil`: the plugin declares none).
    static func lines(_ schema: PluginSettingsSchema?) -> [String] {
        guard let schema, schema.isDeclared else {
            return ["settings: not declared (the plugin checks its settings in configure)"]
        }
        let width = max(22, schema.keys.map(\.count).max() ?? 0)
        var lines = ["settings:"]
        for setting in schema.settings {
            lines.append("  " + pad(setting.key, width) + " : " + TerminalText.escaped(setting.help))
            lines.append("  " + String(repeating: " ", count: width) + "   " + details(of: setting))
        }
        return lines
    }

    /// `integer from 0 to 20. Default: 3`, `text, required, secret (value never shown)`.
    static func details(of setting: PluginSetting) -> String {
        var words = [setting.kind.description]
        if setting.isRequired { words.append("required") }
        if setting.isSecret { words.append("secret (value never shown)") }
        var text = words.joined(separator: ", ")
        if let value = setting.defaultValue {
            text += ". Default: " + (setting.isSecret ? PluginSettingSecrecy.placeholder : TerminalText.escaped(value))
        }
        return text
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
