/// A plugin that could not be loaded, configured or initialized.
public struct PluginFailure: Error, Sendable, CustomStringConvertible {
    /// The plugin's name, when known.
    public let name: String?
    /// Where it came from (a file path), when known.
    public let origin: String?
    /// What went wrong.
    public let error: any Error

    /// Creates a failure.
    public init(name: String?, origin: String?, error: any Error) {
        self.name = name
        self.origin = origin
        self.error = error
    }

    /// `plugin 'x' (from /path): <error>`; an error that names the plugin
    /// itself (not found) alone.
    public var description: String {
        if error is PluginNotFoundError { return String(describing: error) }
        let who = name.map { "plugin '\($0)'" } ?? "plugin"
        return "\(who)\(origin.map { " (from \($0))" } ?? ""): \(error)"
    }
}
