@_spi(DagronHost) public import DagronSDK

/// A ``PluginSource`` that loads plugin shared objects from a search path,
/// for ``PluginManager/discover(from:)``.
///
/// ```swift
/// let manager = PluginManager()
/// let report = manager.discover(from: [SharedObjectPluginSource(searchPath: .standard())])
/// manager.initializeAll()
/// ```
///
/// Without `names` it yields every winning plugin on the search path;
/// with `names`, only those (see ``PluginCatalog/load(named:)``). Manifest
/// syntax errors, load failures and (with `names`) warnings all come back
/// as failures, since ``PluginDiscovery`` has no other case; shadowed plugins
/// are not registered. Each plugin carries its manifest settings overlaid
/// with `settings[name]`.
public struct SharedObjectPluginSource: PluginSource {
    /// The catalog plugins come from.
    public var catalog: PluginCatalog
    /// The plugin names to load, or `nil` for all.
    public var names: [String]?
    /// Settings given by the user, by plugin name; they override manifest defaults.
    public var settings: [String: PluginSettings]

    /// Creates a source.
    public init(
        searchPath: PluginSearchPath = .standard(),
        loader: PluginLoader = PluginLoader(),
        names: [String]? = nil,
        settings: [String: PluginSettings] = [:]
    ) {
        self.catalog = PluginCatalog(searchPath: searchPath, loader: loader)
        self.names = names
        self.settings = settings
    }

    /// Loads the plugins; never throws.
    public func discoverPlugins() -> [PluginDiscovery] {
        var results: [PluginDiscovery] = []
        let plugins: [LoadedPlugin]
        if let names {
            let selection = catalog.load(named: names)
            plugins = selection.plugins
            for warning in selection.warnings {
                results.append(
                    .failed(PluginFailure(name: nil, origin: nil, error: PluginListingError(reason: warning))))
            }
            results += selection.failures.map { .failed($0) }
        } else {
            let listing = catalog.loadAll()
            plugins = listing.plugins
            for error in listing.manifestErrors {
                results.append(.failed(PluginFailure(name: nil, origin: error.file, error: error)))
            }
            for record in listing.records where record.status == .failed || record.status == .refused {
                results.append(
                    .failed(
                        PluginFailure(
                            name: record.name, origin: record.path,
                            error: PluginListingError(reason: record.error ?? "failed"))))
            }
        }
        for loaded in plugins {
            results.append(
                .loaded(
                    loaded.plugin, origin: loaded.path,
                    settings: Self.merge(loaded.defaultSettings, settings[loaded.plugin.name])))
        }
        return results
    }

    static func merge(_ defaults: PluginSettings, _ given: PluginSettings?) -> PluginSettings {
        guard let given else { return defaults }
        return PluginSettings(plugin: defaults.plugin, defaults.values.merging(given.values) { _, new in new })
    }
}

/// A failure recorded in a listing, carried as its one-line reason.
public struct PluginListingError: Error, Sendable, CustomStringConvertible {
    /// The reason.
    public var reason: String
    /// The reason.
    public var description: String { reason }
}
