@_spi(DagronHost) import DagronSDK

/// Loads a candidate and describes it as a ``PluginRecord``, optionally
/// initializing it against a scratch ``HookRegistry`` to learn which events it
/// hooks. Whatever it initializes it tears down before returning, so probing
/// never leaves a plugin running.
///
/// This runs plugin code in the calling process; ``IsolatedPluginProbe`` runs
/// it in a child process instead.
public struct PluginProbe: Sendable {
    /// The loader used.
    public var loader: PluginLoader

    /// Creates a probe.
    public init(loader: PluginLoader = PluginLoader()) {
        self.loader = loader
    }

    /// Loads `candidate`. With `initialize`, also configures it with the
    /// manifest settings overlaid by `settings`, initializes it, records the
    /// events it registered hooks for, and tears it down.
    public func probe(_ candidate: PluginCandidate, initialize: Bool = false, settings: [String: String] = [:])
        -> PluginRecord
    {
        let loaded: LoadedPlugin
        do { loaded = try loader.load(candidate) } catch { return PluginRecord(candidate: candidate, error: error) }
        var record = PluginRecord(loaded: loaded)
        guard initialize else { return record }
        let plugin = loaded.plugin
        let hooks = HookRegistry(warningHandler: { _ in })
        let merged = candidate.settings.merging(settings) { _, given in given }
        do {
            // The reserved keys are the host's (see PluginHostSettings), not the plugin's.
            let settings = PluginSettings(
                plugin: plugin.name, merged.filter { !PluginHostSettings.reservedKeys.contains($0.key) })
            try plugin.settingsSchema.validate(settings)
            try plugin.configure(settings)
            try plugin.initialize(hooks: hooks.scoped(owner: plugin.name))
            record.events = Dictionary(
                uniqueKeysWithValues: hooks.events(registeredBy: plugin.name).map { ($0.key.rawValue, $0.value) })
            record.priorities = Dictionary(
                uniqueKeysWithValues: hooks.priorities(registeredBy: plugin.name).map { ($0.key.rawValue, $0.value) })
            plugin.teardown()
        } catch {
            record.initializeError =
                PluginLoadError.initializeFailed(
                    path: loaded.path, plugin: plugin.name, message: String(describing: error)
                ).reason
        }
        hooks.removeHooks(owner: plugin.name)
        return record
    }
}
