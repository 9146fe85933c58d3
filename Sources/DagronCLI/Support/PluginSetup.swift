import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation

/// Chooses, configures, loads and initializes the plugins of a run.
///
/// The plugins are the user configuration's defaults, those under the
/// pipeline's `plugins:` and `--plugin` names (none with `--no-plugins`). Only their files are loaded in this
/// process: the names of dropped-in files come from an isolated probe or its
/// cache, so an unrelated broken file on the plugin path changes nothing.
/// Their settings are merged by ``PluginSettingsResolver`` over the manifest
/// defaults. ``check(into:)`` is everything before initialization (`dagron
/// validate` stops there); ``loadAndInitialize(into:)`` adds initialization
/// (`dagron run`). A plugin that fails stops the command with exit code 2
/// before any node starts, unless `--keep-going-without-plugins`.
struct PluginSetup {
    var pipeline: Pipeline
    var options: PipelinePluginOptions
    /// The user configuration file (`~/.config/dagron/config.yaml`), if there is one.
    var userConfig: UserConfig?
    var environment: [String: String] = ProcessInfo.processInfo.environment

    /// The plugin names to load, in order: the user configuration's, the file's, then `--plugin`'s,
    /// then the executor plugins the nodes run on (loaded even with
    /// `--no-plugins`: without them the nodes cannot run).
    var names: [String] {
        var seen = Set<String>()
        let configured = userConfig?.plugins.map(\.name) ?? []
        let hooks = options.noPlugins ? [] : configured + pipeline.plugins.map(\.name) + options.plugins
        return (hooks + pipeline.pluginExecutors).filter { seen.insert($0).inserted }
    }

    /// Resolves the settings (`${VAR}` included), loads the plugins into
    /// `manager` and configures them: every check `dagron run` makes of its
    /// plugins before it initializes them.
    /// - Throws: ``ExitStatus/usage`` after printing what went wrong.
    func check(into manager: PluginManager) throws {
        let resolver: PluginSettingsResolver
        do {
            resolver = try PluginSettingsResolver(
                environment: environment, overrides: options.settings, userConfig: userConfig)
        } catch {
            printError(error.description)
            throw ExitStatus.usage
        }
        let names = self.names
        if options.noPlugins, !pipeline.plugins.isEmpty || !options.settings.isEmpty {
            printWarning("--no-plugins: running without plugins")
        }
        for plugin in resolver.pluginsWithOverrides where !names.contains(plugin) {
            printError(
                "--set names plugin '\(plugin)', which this run does not load (add it under plugins: or with --plugin \(plugin))"
            )
            throw ExitStatus.usage
        }
        for name in options.isolated where !names.contains(name) {
            printError(
                "--isolate names plugin '\(name)', which this run does not load (add it under plugins: or with --plugin \(name))"
            )
            throw ExitStatus.usage
        }
        guard !names.isEmpty else { return }
        var settings: [String: PluginSettings] = [:]
        for name in names {
            do {
                settings[name] = try resolver.settings(for: name, declared: declaration(of: name), file: pipeline.path)
            } catch {
                printError(error.description)
                throw ExitStatus.usage
            }
        }
        let searchPath: PluginSearchPath
        do {
            searchPath = try .checked(pluginPaths: options.pluginPaths, environment: environment)
        } catch {
            printError(error.description)
            throw ExitStatus.usage
        }
        let executors = Set(pipeline.pluginExecutors)
        for name in options.isolated where executors.contains(name) {
            printError(
                "--isolate names '\(name)', the executor of this run's nodes: executor plugins run in dagron's process")
            throw ExitStatus.usage
        }
        // The reserved keys (isolation, stall_timeout, callback_budget) are
        // checked now: whether a plugin is isolated decides how it is loaded.
        var explicit: [String: PluginIsolation] = [:]
        for name in names where !executors.contains(name) {
            if options.isolateAll || options.isolated.contains(name) {
                var values = settings[name]?.values ?? [:]
                values[PluginHostSettings.isolationKey] = PluginIsolation.process.rawValue
                settings[name] = PluginSettings(plugin: name, values)
            }
            do {
                if let given = settings[name] {
                    let isolation = try PluginHostSettings.split(given).host.isolation
                    if given[PluginHostSettings.isolationKey] != nil { explicit[name] = isolation }
                }
            } catch {
                printError(describe(PluginFailure(name: name, origin: nil, error: error), resolver: resolver))
                throw ExitStatus.usage
            }
        }
        // A plugin that faulted in an earlier run (and was not rebuilt since)
        // runs isolated unless the user chose otherwise; a fault now is recorded.
        let quarantine = PluginQuarantine.standard(environment: environment)
        let host = IsolatedPluginHost.dagronChild(health: manager.health) { name, file, fault in
            if let warning = quarantine?.record(plugin: name, file: file, fault: fault) { printWarning(warning) }
        }
        let isolation = IsolationChoice(host: host) { [explicit] name, candidate in
            // The host waits on its executors for every node: they run here.
            if executors.contains(name) { return false }
            if let chosen = explicit[name] {
                if chosen == .inProcess, let entry = quarantine?.entry(forFile: candidate.path) {
                    printWarning("plugin '\(name)' is quarantined (\(entry.summary)) but runs in-process as asked")
                }
                return chosen == .process
            }
            if let manifest = candidate.settings[PluginHostSettings.isolationKey].flatMap(PluginIsolation.init(text:)) {
                return manifest == .process
            }
            guard let entry = quarantine?.entry(forFile: candidate.path) else { return false }
            printWarning(
                "plugin '\(name)' \(entry.summary); it runs isolated until rebuilt or cleared (dagron plugins clear \(name))"
            )
            return true
        }
        // Settings the cached schemas refuse are reported before any plugin
        // code is loaded (each problem with where it was given).
        let cache = PluginRegistryCache.standard(environment: environment)
        let refused = checkCachedSchemas(
            names: names, settings: settings, searchPath: searchPath, cache: cache, resolver: resolver)
        // Dropped-in files are named by a child process (or the registry
        // cache), so only the files chosen here run any code in this process.
        let deadline = PluginLoadDeadline { [settings] name in
            name.flatMap { settings[$0] }.flatMap { try? PluginHostSettings.split($0).host.stallTimeout }
                ?? PluginHostSettings.defaultStallTimeout
        }
        let notLoaded = manager.loadPlugins(
            named: names.filter { name in !refused.contains { $0.name == name } }, settings: settings,
            searchPath: searchPath,
            dropInNaming: .probe(.dagronChild(), cache: cache),
            isolation: isolation, reportingFailures: false)
        deadline.stop()
        report(notLoaded, resolver: resolver)
        let loadFailures = refused + notLoaded
        let configureFailures = manager.configureAll()
        report(configureFailures, resolver: resolver)
        for failure in configureFailures {
            if let name = failure.name { manager.unregister(name) }
        }
        try requireExecutors(in: manager)
        try stopUnlessKeepingGoing(loadFailures + configureFailures, manager: manager)
    }

    /// Stops unless every executor the nodes name is a loaded, configured
    /// executor plugin: without it the nodes cannot run, whatever
    /// `--keep-going-without-plugins` says.
    private func requireExecutors(in manager: PluginManager) throws {
        for name in pipeline.pluginExecutors {
            let key = pipeline.executorKeys[name] ?? "executor"
            let location = pipeline.executorLocations[name].map { "\($0): \(key): " } ?? ""
            guard let plugin = manager.plugin(named: name) else {
                printError(
                    "\(location)executor '\(name)' is not available: no plugin of that name could be loaded and "
                        + "configured (see above; `dagron plugins list` shows the installed ones, and `local` runs nodes here)"
                )
                manager.teardownAll()
                throw ExitStatus.usage
            }
            guard plugin is any NodeExecutorPlugin else {
                printError(
                    "\(location)plugin '\(name)' is not an executor plugin: it provides hooks, not a place to run nodes"
                )
                manager.teardownAll()
                throw ExitStatus.usage
            }
        }
    }

    /// The loaded executor plugins the pipeline's nodes run on.
    func executorPlugins(in manager: PluginManager) -> [any NodeExecutorPlugin] {
        pipeline.pluginExecutors.compactMap { manager.plugin(named: $0) as? any NodeExecutorPlugin }
    }

    /// The executors of the run's executor plugins, by name (after
    /// ``loadAndInitialize(into:)``).
    /// - Throws: ``ExitStatus/usage`` after printing which executor could not start.
    func makeExecutors(from manager: PluginManager) throws -> [String: any NodeExecutor] {
        var executors: [String: any NodeExecutor] = [:]
        for plugin in executorPlugins(in: manager) {
            do {
                executors[plugin.name] = try plugin.makeExecutor()
            } catch {
                printError("executor '\(plugin.name)' could not start: \(error); no node was started")
                manager.teardownAll()
                throw ExitStatus.usage
            }
        }
        return executors
    }

    /// ``check(into:)``, then initializes the plugins.
    /// - Throws: ``ExitStatus/usage`` after printing what went wrong.
    func loadAndInitialize(into manager: PluginManager) throws {
        try check(into: manager)
        let failures = manager.initializeAll(reportingFailures: false)
        report(failures, resolver: nil)
        try stopUnlessKeepingGoing(failures, manager: manager)
    }

    /// Checks `settings` against the schemas the registry cache holds for
    /// the plugins `names`, printing every problem (as an error, or a warning
    /// with `--keep-going-without-plugins`). Returns one failure per plugin
    /// refused; those are not loaded.
    private func checkCachedSchemas(
        names: [String], settings: [String: PluginSettings], searchPath: PluginSearchPath,
        cache: PluginRegistryCache?, resolver: PluginSettingsResolver
    ) -> [PluginFailure] {
        guard let cache else { return [] }
        let check = CachedSettingsCheck(searchPath: searchPath, cache: cache)
        var refused: [PluginFailure] = []
        for name in names {
            let problems = check.problems(for: settings[name] ?? PluginSettings(plugin: name))
            guard let first = problems.first else { continue }
            let origin = check.record(for: name)?.path
            report(problems.map { PluginFailure(name: name, origin: origin, error: $0) }, resolver: resolver)
            refused.append(PluginFailure(name: name, origin: origin, error: first))
        }
        return refused
    }

    private func declaration(of plugin: String) -> PluginDeclaration? {
        pipeline.plugins.first { $0.name == plugin }
    }

    /// Prints each failure once: an error, or a warning when the run goes on
    /// without the plugin (`--keep-going-without-plugins`; never for an
    /// executor, which the nodes cannot do without).
    private func report(_ failures: [PluginFailure], resolver: PluginSettingsResolver?) {
        for failure in failures {
            let message = resolver.map { describe(failure, resolver: $0) } ?? failure.description
            let isExecutor = failure.name.map(pipeline.pluginExecutors.contains) ?? false
            if options.keepGoingWithoutPlugins && !isExecutor { printWarning(message) } else { printError(message) }
        }
    }

    /// A configuration failure, prefixed with where the offending setting
    /// was given (file:line:column and key, environment variable, or --set).
    private func describe(_ failure: PluginFailure, resolver: PluginSettingsResolver) -> String {
        let key: String? =
            switch failure.error as? PluginSettingsError {
            case .missing(_, let key)?, .malformed(_, let key, _, _)?: key
            case .unknownKeys(_, let keys)?: keys.first
            default: nil
            }
        guard let name = failure.name, let key,
            let source = resolver.source(of: key, plugin: name, declared: declaration(of: name), file: pipeline.path)
        else { return failure.description }
        return "\(source): \(failure.error)"
    }

    private func stopUnlessKeepingGoing(_ failures: [PluginFailure], manager: PluginManager) throws {
        guard !failures.isEmpty else { return }
        if options.keepGoingWithoutPlugins {
            printWarning(
                "continuing without \(failures.count) plugin\(failures.count == 1 ? "" : "s") (--keep-going-without-plugins)"
            )
            return
        }
        manager.teardownAll()
        printNote(
            "no node was started (use --keep-going-without-plugins to run without "
                + "\(failures.count == 1 ? "that plugin" : "those plugins"), or --no-plugins)")
        throw ExitStatus.usage
    }
}
