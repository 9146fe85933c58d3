import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation

/// Works out an ``EffectiveConfig`` from its sources, the way `dagron run`
/// merges them (``PluginSetup``, ``PluginSettingsResolver``), without
/// loading plugin code: manifest defaults come from a scan of the plugin
/// search path's `dagron.plugins` files, and which values are secret from
/// the settings schemas in the registry cache.
struct EffectiveConfigBuilder {
    var userConfig: UserConfig?
    var configPath: String?
    var pipeline: Pipeline?
    var options: PipelinePluginOptions
    var maxWorkers: Int?
    var environment: [String: String]

    /// The effective values.
    /// - Throws: ``ExitStatus/usage`` after printing a bad `--set`, search path or `${VAR}`.
    func build() throws -> EffectiveConfig {
        let resolver: PluginSettingsResolver
        let searchPath: PluginSearchPath
        do {
            resolver = try PluginSettingsResolver(
                environment: environment, overrides: options.settings, userConfig: userConfig)
            searchPath = try .checked(pluginPaths: options.pluginPaths, environment: environment)
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }
        let plugins = self.plugins()
        let manifests = PluginScanner(searchPath: searchPath).scan().candidates.filter { $0.declaredName != nil }
        let cached = CachedSettingsCheck(
            searchPath: searchPath, cache: PluginRegistryCache.standard(environment: environment))
        var settings: [EffectiveConfig.Setting] = []
        for plugin in plugins {
            let declared = pipeline?.plugins.first { $0.name == plugin.name }
            let merged: PluginSettings
            do {
                merged = try resolver.settings(for: plugin.name, declared: declared, file: pipeline?.path ?? "")
            } catch {
                printError("\(error)")
                throw ExitStatus.usage
            }
            // The first manifest declaration of a name wins, as when loading.
            let manifest = manifests.first { $0.declaredName == plugin.name }
            var values = manifest?.settings ?? [:]
            values.merge(merged.values) { $1 }
            for key in values.keys.sorted() {
                // The cached schema decides; name patterns only for a plugin the cache does not describe.
                let secret = cached.record(for: plugin.name)?.isSecret(key) ?? PluginSettingSecrecy.nameLooksSecret(key)
                let value = secret ? PluginSettingSecrecy.placeholder : values[key] ?? ""
                let from = source(
                    of: key, plugin: plugin.name, declared: declared, manifest: manifest, resolver: resolver)
                settings.append(.init(plugin: plugin.name, key: key, value: value, from: from))
            }
        }
        return EffectiveConfig(
            configFile: configPath, configFileExists: userConfig != nil, pipeline: pipeline?.path,
            maxWorkers: effectiveMaxWorkers(), plugins: plugins, settings: settings)
    }

    /// `--max-workers`, else the pipeline's, else the user configuration's, else the number of CPUs.
    private func effectiveMaxWorkers() -> EffectiveConfig.MaxWorkers {
        if let maxWorkers {
            return .init(value: maxWorkers, from: .init(source: "command_line", location: "--max-workers"))
        }
        if let pipeline, let count = pipeline.maxWorkers {
            return .init(value: count, from: .init(source: "pipeline", location: pipeline.path))
        }
        if let userConfig, let count = userConfig.maxWorkers {
            return .init(
                value: count, from: .init(source: "config", location: userConfig.maxWorkersLocation ?? userConfig.path))
        }
        return .init(
            value: DAGExecutor.defaultMaxWorkers, from: .init(source: "default", location: "the number of CPUs"))
    }

    /// The plugins a run would load, in ``PluginSetup/names`` order, each with why.
    private func plugins() -> [EffectiveConfig.Plugin] {
        var result: [EffectiveConfig.Plugin] = []
        var seen = Set<String>()
        func add(_ name: String, _ source: String, _ location: String?) {
            if seen.insert(name).inserted {
                result.append(.init(name: name, from: .init(source: source, location: location)))
            }
        }
        if !options.noPlugins {
            for declaration in userConfig?.plugins ?? [] {
                add(declaration.name, "config", PipelineIssue.position(userConfig?.path ?? "", declaration.line, 0))
            }
            for declaration in pipeline?.plugins ?? [] {
                add(declaration.name, "pipeline", PipelineIssue.position(pipeline?.path ?? "", declaration.line, 0))
            }
            for name in options.plugins { add(name, "command_line", "--plugin \(name)") }
        }
        for name in pipeline?.pluginExecutors ?? [] {
            add(name, "pipeline", pipeline?.executorLocations[name] ?? pipeline?.path)
        }
        return result
    }

    /// Where the effective value of `key` comes from: the highest source that sets it.
    private func source(
        of key: String, plugin: String, declared: PluginDeclaration?, manifest: PluginCandidate?,
        resolver: PluginSettingsResolver
    ) -> EffectiveConfig.Source {
        switch resolver.source(of: key, plugin: plugin, declared: declared, file: pipeline?.path ?? "") {
        case .commandLine(let plugin, let key)?:
            return .init(source: "command_line", location: "--set \(plugin).\(key)")
        case .environment(let variable)?:
            return .init(source: "environment", location: variable)
        case .file(let path, let line, let column, _)? where column > 0:
            // A column: the value itself is written there (else it is only the plugin's entry).
            let source = declared?.settings[key] != nil ? "pipeline" : "config"
            return .init(source: source, location: PipelineIssue.position(path, line, column))
        default:
            if case .manifest(let file, let line)? = manifest?.source {
                return .init(source: "manifest", location: PipelineIssue.position(file, line, 0))
            }
            return .init(source: "manifest", location: manifest?.path)
        }
    }
}
