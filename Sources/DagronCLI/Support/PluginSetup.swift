import Dagron
import DagronSDK
import Foundation

/// Chooses, configures, loads and initializes the plugins of a run.
///
/// The plugins are those under the pipeline's `plugins:` plus `--plugin`
/// names (none with `--no-plugins`). Only their files are loaded in this
/// process: the names of dropped-in files come from an isolated probe or its
/// cache, so an unrelated broken file on the plugin path changes nothing. Their settings are merged by
/// ``PluginSettingsResolver`` over the manifest defaults. A plugin that
/// fails to load or initialize stops the run with exit code 2 before any
/// node starts, unless `--keep-going-without-plugins`.
struct PluginSetup {
    var pipeline: Pipeline
    var extraPlugins: [String]
    var overrides: [String]
    var pluginPaths: [String]
    var disabled: Bool
    var keepGoing: Bool
    var environment: [String: String] = ProcessInfo.processInfo.environment

    /// The plugin names to load, in order: the file's, then `--plugin`'s.
    var names: [String] {
        guard !disabled else { return [] }
        var seen = Set<String>()
        return (pipeline.plugins.map(\.name) + extraPlugins).filter { seen.insert($0).inserted }
    }

    /// Loads, registers and initializes the plugins with `manager`.
    /// - Throws: ``ExitStatus/usage`` after printing what went wrong.
    func loadAndInitialize(into manager: PluginManager) throws {
        let resolver: PluginSettingsResolver
        do {
            resolver = try PluginSettingsResolver(environment: environment, overrides: overrides)
        } catch {
            printError(error.description)
            throw ExitStatus.usage
        }
        let names = self.names
        if disabled {
            if !pipeline.plugins.isEmpty || !overrides.isEmpty { printWarning("--no-plugins: running without plugins") }
            return
        }
        for plugin in resolver.pluginsWithOverrides where !names.contains(plugin) {
            printError("--set names plugin '\(plugin)', which this run does not load (add it under plugins: or with --plugin \(plugin))")
            throw ExitStatus.usage
        }
        guard !names.isEmpty else { return }
        var settings: [String: PluginSettings] = [:]
        for name in names {
            do {
                settings[name] = try resolver.settings(
                    for: name, declared: pipeline.plugins.first { $0.name == name }, file: pipeline.path)
            } catch {
                printError(error.description)
                throw ExitStatus.usage
            }
        }
        let searchPath: PluginSearchPath
        do {
            searchPath = try .checked(pluginPaths: pluginPaths, environment: environment)
        } catch {
            printError(error.description)
            throw ExitStatus.usage
        }
        // Dropped-in files are named by a child process (or the registry
        // cache), so only the files chosen here run any code in this process.
        let loadFailures = manager.loadPlugins(
            named: names, settings: settings, searchPath: searchPath,
            dropInNaming: .probe(.dagronChild(), cache: PluginRegistryCache.standard(environment: environment)))
        let initFailures = manager.initializeAll()
        let failures = loadFailures + initFailures
        guard !failures.isEmpty else { return }
        // The manager already printed each failure as a warning; say what happens next.
        if keepGoing {
            printWarning("continuing without \(failures.count) plugin\(failures.count == 1 ? "" : "s") (--keep-going-without-plugins)")
            return
        }
        manager.teardownAll()
        let failed = failures.map { $0.name.map { "'\($0)'" } ?? "(unnamed)" }.joined(separator: ", ")
        printError("plugin\(failures.count == 1 ? "" : "s") \(failed) could not be loaded or initialized (see above); no node was started "
            + "(use --keep-going-without-plugins to run anyway, or --no-plugins)")
        throw ExitStatus.usage
    }
}
