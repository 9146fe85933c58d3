/// Which plugin settings are too sensitive to display.
///
/// A plugin names its secret settings (``DagronSDK/DagronPlugin/secretSettings``),
/// but a plugin that failed to load cannot be asked, and a third-party plugin
/// may forget: so any setting whose name contains one of ``secretWords`` is
/// treated as secret as well.
public enum PluginSettingSecrecy {
    /// What is shown instead of a secret value.
    public static let placeholder = "<secret, not shown>"

    /// Name fragments that mark a setting as secret (case-insensitive).
    public static let secretWords = ["secret", "token", "password", "passwd", "credential", "api_key", "apikey", "webhook", "private_key"]

    /// Whether a setting called `key` is treated as secret whatever the plugin says.
    public static func nameLooksSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }
}
