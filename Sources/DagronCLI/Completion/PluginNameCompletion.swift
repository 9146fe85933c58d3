import Dagron
import DagronSDK
import Foundation

/// Completes plugin names (`--plugin`, `--isolate`, `plugins info NAME`,
/// `plugins clear NAME`) without running plugin code: the names declared in
/// the `dagron.plugins` manifests of the search path, and the names the
/// registry cache (`dagron plugins list`) learned for dropped-in files. A
/// dropped-in file not listed since it changed is not probed here (that
/// would start a child process); `dagron plugins list` makes it known.
enum PluginNameCompletion {
    /// The plugin names starting with `prefix`, sorted.
    static func complete(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        names(words: CompletionWords(words: words)).filter { $0.hasPrefix(prefix) }
    }

    /// Every plugin name known on the search path `words` give, sorted.
    static func names(words: CompletionWords) -> [String] {
        var names = Set<String>()
        for record in knownPlugins(words: words) { names.insert(record.name) }
        return names.sorted()
    }

    /// A plugin known without loading it: its name, manifest defaults, and
    /// the secret setting names and settings schema the cache remembers.
    struct KnownPlugin {
        let name: String
        let defaults: [String: String]
        let secretSettings: [String]
        let schemaKeys: [String]
    }

    /// The plugins the search path of `words` offers, the first of each name.
    static func knownPlugins(words: CompletionWords) -> [KnownPlugin] {
        let searchPath = PluginSearchPath.standard(pluginPaths: words.pluginPaths)
        let candidates = PluginScanner(searchPath: searchPath).scan().candidates
        let cached =
            PluginRegistryCache.standard()?.cachedRecords(for: candidates, policy: .current())
            ?? candidates.map { _ in nil }
        var seen = Set<String>()
        var result: [KnownPlugin] = []
        for (candidate, record) in zip(candidates, cached) {
            guard let name = candidate.declaredName ?? record?.name, seen.insert(name).inserted else { continue }
            result.append(
                KnownPlugin(
                    name: name, defaults: candidate.settings, secretSettings: record?.secretSettings ?? [],
                    schemaKeys: record?.settingsSchema?.keys ?? []))
        }
        return result
    }
}
