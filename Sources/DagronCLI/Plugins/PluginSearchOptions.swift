import ArgumentParser
import Dagron

/// The options every `dagron plugins` command shares: where to look and how strictly.
struct PluginSearchOptions: ParsableArguments {
    @Option(
        name: .customLong("plugin-path"),
        help: ArgumentHelp(
            "A directory to search for plugins before DAGRON_PLUGIN_PATH, the user directory and the installation's (repeatable).",
            valueName: "dir"))
    var pluginPaths: [String] = []

    @Flag(
        name: .customLong("allow-insecure-plugins"),
        help: ArgumentHelp(
            "Load plugins even if the file or its directory is writable by group/others, owned by another user, or a symbolic link (also: DAGRON_ALLOW_INSECURE_PLUGINS=1)."
        ))
    var allowInsecure = false

    /// The search path: `--plugin-path`, `DAGRON_PLUGIN_PATH`, user dir, installation dir.
    var searchPath: PluginSearchPath { .standard(pluginPaths: pluginPaths) }

    /// Rejects a relative `--plugin-path` or `DAGRON_PLUGIN_PATH` entry.
    func validate() throws {
        do {
            _ = try PluginSearchPath.checked(pluginPaths: pluginPaths)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The safety policy from the flag and the environment.
    var policy: PluginSafetyPolicy { .current(allowInsecure: allowInsecure) }

    /// A probe that runs plugin code in a child `dagron plugins probe-child`.
    var isolatedProbe: IsolatedPluginProbe { .dagronChild() }

    /// The plugins on the search path, under the safety policy.
    var catalog: PluginCatalog { PluginCatalog(searchPath: searchPath, loader: PluginLoader(policy: policy)) }
}
