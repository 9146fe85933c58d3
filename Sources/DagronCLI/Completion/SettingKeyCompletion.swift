import Dagron
import Foundation

/// Completes `--set` of `dagron run`, `validate` and `config` to
/// `NAME.KEY=`, without running plugin code. The keys of a plugin are those
/// known from: its manifest defaults, the settings schema and secret
/// settings the registry cache remembers, the user configuration file and the pipeline file on the
/// command line (their `plugins.NAME` tables), and the keys dagron itself
/// reads for every plugin (`isolation`, `stall_timeout`, `callback_budget`).
/// Before the dot, plugin names complete to `NAME.`.
enum SettingKeyCompletion {
    /// The completions of `prefix`, sorted.
    static func complete(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        let words = CompletionWords(words: words)
        let known = PluginNameCompletion.knownPlugins(words: words)
        var keys: [String: Set<String>] = [:]
        for plugin in known {
            keys[plugin.name, default: []].formUnion(plugin.defaults.keys)
            keys[plugin.name, default: []].formUnion(plugin.secretSettings)
            keys[plugin.name, default: []].formUnion(plugin.schemaKeys)
        }
        // The files' tables are read as text is: a broken file just adds nothing.
        if let config = UserConfig.standardPath().flatMap({ try? UserConfigParser().parse(fileAt: $0) }) {
            for declaration in config.plugins {
                keys[declaration.name, default: []].formUnion(declaration.settings.keys)
            }
        }
        if let file = words.pipelineFile, let pipeline = try? PipelineParser().parse(fileAt: file) {
            for declaration in pipeline.plugins {
                keys[declaration.name, default: []].formUnion(declaration.settings.keys)
            }
        }
        guard let dot = prefix.firstIndex(of: ".") else {
            return keys.keys.sorted().map { $0 + "." }.filter { $0.hasPrefix(prefix) }
        }
        let plugin = String(prefix[..<dot])
        guard let own = keys[plugin] else { return [] }
        return own.union(PluginHostSettings.reservedKeys).sorted().map { "\(plugin).\($0)=" }.filter {
            $0.hasPrefix(prefix)
        }
    }
}
