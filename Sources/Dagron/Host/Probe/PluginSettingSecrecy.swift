@_spi(DagronHost) public import DagronSDK

/// Which plugin settings are too sensitive to display.
///
/// A plugin that declares a ``DagronSDK/PluginSettingsSchema`` decides alone:
/// a setting is secret when its ``DagronSDK/PluginSetting/isSecret`` says so,
/// and a key the schema does not declare (a misspelt key may hold a secret)
/// is never shown either. Name patterns are only a fallback for plugins that
/// declare no schema (older plugins, or one whose metadata is unknown because
/// it failed to load): then a setting the plugin lists in
/// ``DagronSDK/DagronPlugin/secretSettings``, or whose name contains one of
/// ``secretWords``, is secret.
public enum PluginSettingSecrecy {
    /// What is shown instead of a secret value.
    public static let placeholder = "<secret, not shown>"

    /// Name fragments that mark a setting of a plugin without a schema as secret (case-insensitive).
    public static let secretWords = [
        "secret", "token", "password", "passwd", "credential", "api_key", "apikey", "webhook", "private_key",
    ]

    /// Whether a setting called `key` looks secret by its name alone (for plugins without a schema).
    public static func nameLooksSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }

    /// Whether the value of `key` must not be displayed.
    /// - Parameters:
    ///   - key: The setting.
    ///   - schema: The plugin's schema, when known.
    ///   - declaredSecrets: The plugin's ``DagronSDK/DagronPlugin/secretSettings``, when known.
    public static func isSecret(_ key: String, schema: PluginSettingsSchema?, declaredSecrets: [String]?) -> Bool {
        if let schema, schema.isDeclared { return schema[key]?.isSecret ?? true }
        return declaredSecrets?.contains(key) == true || nameLooksSecret(key)
    }
}
