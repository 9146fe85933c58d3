/// Which plugins to run in a process of their own, and how to start them:
/// what ``PluginCatalog/load(named:)`` consults for every plugin it loads
/// whose name it knows without loading it: a manifest entry, or a dropped-in
/// file named by ``DropInNaming/probe(_:cache:)``. (With
/// ``DropInNaming/loadInProcess`` a dropped-in file is loaded here to learn
/// its name, so it cannot be isolated.)
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
