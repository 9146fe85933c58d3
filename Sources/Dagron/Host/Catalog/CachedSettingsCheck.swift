@_spi(DagronHost) public import DagronSDK

/// Checks plugins' settings against the schemas the registry cache holds,
/// before any plugin is loaded: how `dagron validate` and `dagron run` refuse
/// a wrong plugin setting without running the plugin's code when its
/// metadata is cached (and unchanged since, see ``PluginRegistryCache``).
///
/// A plugin is checked only when the first file on the search path that may
/// provide its name has a cached record of a loaded plugin with a declared
/// schema; for any other plugin ``problems(for:)`` says nothing, and the
/// host's check before `configure` (with the plugin loaded) does the work.
public struct CachedSettingsCheck: Sendable {
    /// The cached records of the search path's candidates, in search-path order.
    let entries: [(candidate: PluginCandidate, record: PluginRecord?)]

    /// Reads the cache for the candidates of `searchPath` (nothing is probed or written).
    public init(searchPath: PluginSearchPath, cache: PluginRegistryCache?, policy: PluginSafetyPolicy = .current()) {
        guard let cache else {
            entries = []
            return
        }
        let candidates = PluginScanner(searchPath: searchPath, policy: policy).scan().candidates
        entries = Array(zip(candidates, cache.cachedRecords(for: candidates, policy: policy)))
    }

    /// The cached record of the plugin that would be loaded for `name`, when
    /// the cache can tell: `nil` when a file that may provide `name` comes
    /// before it uncached.
    public func record(for name: String) -> PluginRecord? {
        for (candidate, record) in entries {
            if let declared = candidate.declaredName, declared != name { continue }
            guard let record else { return nil }
            if record.status == .loaded, record.name == name { return record }
        }
        return nil
    }

    /// What is wrong with `settings` (as the user gave them, before the
    /// manifest's defaults) by the cached schema of their plugin: empty when
    /// they are accepted or the cache cannot tell.
    public func problems(for settings: PluginSettings) -> [PluginSettingsError] {
        guard let record = record(for: settings.plugin), let schema = record.settingsSchema else { return [] }
        var values = record.candidate.settings
        values.merge(settings.values) { $1 }
        let own = values.filter { !PluginHostSettings.reservedKeys.contains($0.key) }
        return schema.problems(in: PluginSettings(plugin: settings.plugin, own))
    }
}
