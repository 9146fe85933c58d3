public import ArgumentParser
import Dagron

/// The plugin options `dagron run` and `dagron validate` share, so that
/// `validate` checks the very plugins and settings `run` would use.
struct PipelinePluginOptions: ParsableArguments {
    @Option(
        name: .customLong("plugin"), help: "Load this plugin too (repeatable).",
        completion: .custom { PluginNameCompletion.complete($0, $1, $2) })
    var plugins: [String] = []

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Set a plugin setting (repeatable).", valueName: "plugin.key=value"),
        completion: .custom { SettingKeyCompletion.complete($0, $1, $2) })
    var settings: [String] = []

    @Option(
        name: .customLong("plugin-path"), help: "Search this directory for plugins first (repeatable).",
        completion: .directory)
    var pluginPaths: [String] = []

    @Flag(help: "Use no plugin at all.")
    var noPlugins = false

    @Flag(help: "Go on even if a plugin fails to load, configure or initialize.")
    var keepGoingWithoutPlugins = false

    @Option(
        name: .customLong("isolate"),
        help: ArgumentHelp(
            "Run this plugin in a process of its own: a crash, exit or hang there stops only the plugin (repeatable).",
            valueName: "plugin"), completion: .custom { PluginNameCompletion.complete($0, $1, $2) })
    var isolated: [String] = []

    @Flag(help: "Run every plugin in a process of its own.")
    var isolateAll = false

    @Option(
        help: ArgumentHelp(
            "What a plugin failure during the run does: continue (the plugin is stopped, the run goes on; the default) "
                + "or fail (the run exits 1 even if every node succeeded). Overrides the file's plugin_failure.",
            valueName: "continue|fail"))
    var pluginFailure: PluginFailurePolicy?

    func validate() throws {
        if noPlugins && !plugins.isEmpty { throw ValidationError("--no-plugins and --plugin contradict each other") }
        if noPlugins && (isolateAll || !isolated.isEmpty) {
            throw ValidationError("--no-plugins and --isolate contradict each other")
        }
    }
}

extension PluginFailurePolicy: ExpressibleByArgument {}
