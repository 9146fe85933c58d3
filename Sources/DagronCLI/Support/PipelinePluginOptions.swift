import ArgumentParser

/// The plugin options `dagron run` and `dagron validate` share, so that
/// `validate` checks the very plugins and settings `run` would use.
struct PipelinePluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: "Load this plugin too (repeatable).")
    var plugins: [String] = []

    @Option(name: .customLong("set"), help: ArgumentHelp("Set a plugin setting (repeatable).", valueName: "plugin.key=value"))
    var settings: [String] = []

    @Option(name: .customLong("plugin-path"), help: "Search this directory for plugins first (repeatable).",
            completion: .directory)
    var pluginPaths: [String] = []

    @Flag(help: "Use no plugin at all.")
    var noPlugins = false

    @Flag(help: "Go on even if a plugin fails to load, configure or initialize.")
    var keepGoingWithoutPlugins = false

    func validate() throws {
        if noPlugins && !plugins.isEmpty { throw ValidationError("--no-plugins and --plugin contradict each other") }
    }
}
