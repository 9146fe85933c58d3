/// Which plugins to run in a process of their own, and how to start them:
/// what ``PluginCatalog/load(named:)`` consults for every plugin it loads.
///
/// ```swift
/// let choice = IsolationChoice(host: host) { name, candidate in
///     name == "slack-webhook" || candidate.settings["isolation"] == "process"
/// }
/// ```
public struct IsolationChoice: Sendable {
    /// How isolated plugins are started.
    public var host: IsolatedPluginHost
    /// Whether the plugin called `name`, found as `candidate` (whose manifest
    /// settings may set a default), runs isolated.
    public var isolates: @Sendable (_ name: String, _ candidate: PluginCandidate) -> Bool

    /// Creates a choice.
    public init(host: IsolatedPluginHost, isolates: @escaping @Sendable (String, PluginCandidate) -> Bool) {
        self.host = host
        self.isolates = isolates
    }
}
