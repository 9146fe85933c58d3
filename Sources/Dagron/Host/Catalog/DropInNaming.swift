/// How ``PluginCatalog/load(named:)`` learns the plugin name of a dropped-in
/// file (a `*.so` that no `dagron.plugins` manifest declares), whose name is
/// only known once its factory has run.
public enum DropInNaming: Sendable {
    /// Load each dropped-in file met before every name is found in this
    /// process. Its constructors and factory run here, so a file that calls
    /// `exit`, hangs or crashes while loading takes the caller with it.
    case loadInProcess
    /// Learn the names from an ``IsolatedPluginProbe`` (through `cache` when
    /// given, so unchanged files are not probed again). Only the files chosen
    /// by name are then loaded in this process: a broken or hostile file
    /// elsewhere on the path runs nothing here. What `dagron run` uses.
    case probe(IsolatedPluginProbe, cache: PluginRegistryCache?)

    /// One probe record per candidate, in order, or `nil` for ``loadInProcess``.
    func records(for candidates: [PluginCandidate], policy: PluginSafetyPolicy) -> [PluginRecord]? {
        guard case .probe(let probe, let cache) = self else { return nil }
        guard !candidates.isEmpty else { return [] }
        if let cache { return cache.records(for: candidates, probe: probe, policy: policy) }
        return probe.probe(candidates, policy: policy)
    }
}
