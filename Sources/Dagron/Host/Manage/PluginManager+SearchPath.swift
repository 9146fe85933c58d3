@_spi(DagronHost) public import DagronSDK

extension PluginManager {
    /// Loads every plugin on the search path and registers the first of each
    /// name: the analogue of Python dagron's `PluginManager().discover()`.
    ///
    /// ```swift
    /// let manager = PluginManager()
    /// let report = manager.discover()          // --plugin-path, DAGRON_PLUGIN_PATH, user dir, install dir
    /// manager.initializeAll()
    /// ```
    ///
    /// Never throws: manifest errors and files that fail to load come back in
    /// the report's failures (and go to the warning handler). Nothing is initialized.
    ///
    /// - Parameters:
    ///   - searchPath: Where to look; ``PluginSearchPath/standard(pluginPaths:environment:executablePath:)`` by default.
    ///   - loader: How to load; strict unless `DAGRON_ALLOW_INSECURE_PLUGINS` is set.
    ///   - settings: User settings by plugin name, overriding manifest defaults.
    @discardableResult
    public func discover(
        searchPath: PluginSearchPath = .standard(),
        loader: PluginLoader = PluginLoader(),
        settings: [String: PluginSettings] = [:]
    ) -> DiscoveryReport {
        discover(from: [SharedObjectPluginSource(searchPath: searchPath, loader: loader, settings: settings)])
    }

    /// Loads the plugins called `names` from the search path and registers
    /// them, ready for ``initializeAll()``: what `dagron run --plugin NAME` does.
    ///
    /// ```swift
    /// let manager = PluginManager()
    /// let failures = manager.loadPlugins(
    ///     named: ["event-recorder"],
    ///     settings: ["event-recorder": PluginSettings(plugin: "event-recorder", ["file": "/tmp/e.jsonl"])],
    ///     searchPath: .standard(pluginPaths: options.pluginPaths))
    /// guard failures.isEmpty else { ... exit 1 }
    /// let initFailures = manager.initializeAll()
    /// ```
    ///
    /// With `dropInNaming` ``DropInNaming/probe(_:cache:)`` (what `dagron run`
    /// passes) only the chosen files are loaded in this process; see
    /// ``PluginCatalog/load(named:)``. The plugins `isolation` picks are
    /// started in a host process of their own (``IsolatedPlugin``) instead.
    ///
    /// Each plugin is registered with its manifest settings (`name.key = value`
    /// in `dagron.plugins`) overlaid by `settings[name]`, and with its file as origin.
    /// Problems that do not concern a requested name (a manifest syntax error
    /// elsewhere, a broken dropped-in file) go to the warning handler only;
    /// the requested names' failures go there too unless `reportingFailures`
    /// is `false` (the caller then reports them itself). Nothing throws.
    ///
    /// - Returns: One failure per requested name that could not be loaded
    ///   (its file's ``PluginLoadError``, or ``PluginNotFoundError``); empty
    ///   when every name was loaded and registered.
    @discardableResult
    public func loadPlugins(
        named names: [String],
        settings: [String: PluginSettings] = [:],
        searchPath: PluginSearchPath = .standard(),
        loader: PluginLoader = PluginLoader(),
        dropInNaming: DropInNaming = .loadInProcess,
        isolation: IsolationChoice? = nil,
        reportingFailures: Bool = true
    ) -> [PluginFailure] {
        let selection = undoingProcessChanges(by: "a plugin", "while plugins were loaded") {
            PluginCatalog(
                searchPath: searchPath, loader: loader, dropInNaming: dropInNaming, isolation: isolation
            ).load(named: names)
        }
        for warning in selection.warnings { warn(warning) }
        if reportingFailures { for failure in selection.failures { warn(failure.description) } }
        for loaded in selection.plugins {
            register(
                loaded.plugin,
                settings: SharedObjectPluginSource.merge(loaded.defaultSettings, settings[loaded.plugin.name]),
                origin: loaded.path)
        }
        return selection.failures
    }
}
