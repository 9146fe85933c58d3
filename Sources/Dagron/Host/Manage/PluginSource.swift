@_spi(DagronHost) public import DagronSDK

/// Something that finds plugins: the seam ``PluginManager/discover(from:)``
/// uses. The shared-object loader is one such source.
public protocol PluginSource: Sendable {
    /// Finds and instantiates plugins, reporting each that failed.
    func discoverPlugins() -> [PluginDiscovery]
}

/// One outcome of a ``PluginSource``.
public enum PluginDiscovery: Sendable {
    /// A plugin instance, where it came from, and its settings if any.
    case loaded(any DagronPlugin, origin: String, settings: PluginSettings?)
    /// A plugin that could not be loaded.
    case failed(PluginFailure)
}

/// What ``PluginManager/discover(from:)`` found.
public struct DiscoveryReport: Sendable {
    /// Names of the plugins registered.
    public var loaded: [String] = []
    /// The plugins that failed.
    public var failures: [PluginFailure] = []
}

/// Registers `plugin` with ``PluginManager/shared`` and returns it: the
/// one-line analogue of Python dagron's `@dagron_plugin` decorator.
///
/// ```swift
/// let notifications = dagronPlugin(NotificationPlugin())
/// ```
@discardableResult
public func dagronPlugin<Plugin: DagronPlugin>(_ plugin: Plugin) -> Plugin {
    PluginManager.shared.register(plugin)
    return plugin
}
