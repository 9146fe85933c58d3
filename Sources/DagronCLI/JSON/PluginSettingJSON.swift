import Dagron
@_spi(DagronHost) import DagronSDK

/// One declared setting in `dagron plugins info NAME --json` (`settings`).
struct PluginSettingJSON: Encodable {
    let key: String
    /// `text`, `integer`, `seconds`, `duration`, `boolean`, `choice` or `file path`.
    let type: String
    /// The accepted values in words (`from 0 to 20`); `null` when any value of the type is.
    @Nullable var allowed: String? = nil
    /// For `choice`, the values; otherwise `null`.
    @Nullable var choices: [String]? = nil
    /// The default as text (`<secret, not shown>` for a secret); `null` when there is none.
    @Nullable var `default`: String? = nil
    let required: Bool
    let secret: Bool
    let help: String

    init(_ setting: PluginSetting) {
        key = setting.key
        type = setting.kind.name
        allowed = setting.kind.allowed.isEmpty ? nil : setting.kind.allowed
        if case .choice(let values) = setting.kind { choices = values }
        `default` = setting.defaultValue.map { setting.isSecret ? PluginSettingSecrecy.placeholder : $0 }
        required = setting.isRequired
        secret = setting.isSecret
        help = setting.help
    }
}
