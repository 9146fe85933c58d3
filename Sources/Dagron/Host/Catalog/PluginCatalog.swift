@_spi(DagronHost) import DagronSDK

/// The plugins on a search path, loaded in this process: the engine's way to
/// get plugin instances by name.
///
/// ```swift
/// let catalog = PluginCatalog(searchPath: .standard(pluginPaths: ["./plugins"]))
/// let selection = catalog.load(named: ["event-recorder"])
/// for plugin in selection.plugins { manager.register(plugin.plugin, settings: plugin.defaultSettings, origin: plugin.path) }
/// ```
///
/// Most callers want ``PluginManager/loadPlugins(named:settings:searchPath:loader:dropInNaming:)``,
/// which does exactly that and reports failures.
///
/// Loading runs plugin factories in this process, and a crashing factory
/// ends it; `dagron plugins list` and `check` use ``IsolatedPluginProbe``
/// instead, and `dagron run` names dropped-in files through it
/// (``DropInNaming/probe(_:cache:)``) so that it loads only the plugins it asked for.
public struct PluginCatalog: Sendable {
    /// Where plugins are looked for.
    public var searchPath: PluginSearchPath
    /// How files are loaded.
    public var loader: PluginLoader
    /// How ``load(named:)`` learns the names of dropped-in files.
    public var dropInNaming: DropInNaming
    /// Which plugins ``load(named:)`` starts in a process of their own
    /// instead of loading here; `nil` loads every plugin here.
    public var isolation: IsolationChoice?

    /// Creates a catalog.
    public init(
        searchPath: PluginSearchPath = .standard(), loader: PluginLoader = PluginLoader(),
        dropInNaming: DropInNaming = .loadInProcess, isolation: IsolationChoice? = nil
    ) {
        self.searchPath = searchPath
        self.loader = loader
        self.dropInNaming = dropInNaming
        self.isolation = isolation
    }

    /// The plugin files on the search path: what ``inventory(probe:cache:name:)``
    /// and ``loadAll()`` return.
    public struct Listing: Sendable {
        /// One record per candidate, in search-path order, shadowing resolved.
        public var records: [PluginRecord]
        /// The winning instance of each name, in search-path order (not
        /// initialized); empty for an inventory, which loads nothing here.
        public var plugins: [LoadedPlugin]
        /// Manifest lines that could not be parsed.
        public var manifestErrors: [PluginManifestError]
    }

    /// Every plugin file on the search path as a record (name, version,
    /// status), shadowing resolved, with no plugin code run in this process:
    /// each file's factory runs in a child process, or its result comes from
    /// `cache` when the file is unchanged. This is what `dagron plugins
    /// list`, `info` and `clear` show.
    ///
    /// - Parameters:
    ///   - probe: how files are probed.
    ///   - cache: the registry cache to reuse and update; `nil` probes every file.
    ///   - name: when given, only the files that can be that plugin: declared
    ///     under it in a manifest, or dropped in (unnamed until probed).
    public func inventory(probe: IsolatedPluginProbe, cache: PluginRegistryCache?, name: String? = nil) -> Listing {
        catalogue { candidates in
            let candidates =
                name.map { name in candidates.filter { $0.declaredName == nil || $0.declaredName == name } }
                ?? candidates
            let records =
                cache?.records(for: candidates, probe: probe, policy: loader.policy)
                ?? probe.probe(candidates, policy: loader.policy)
            return records.map { ($0, nil) }
        }
    }

    /// Loads every candidate on the search path in this process (but
    /// initializes none). A crashing factory ends the process: tools use
    /// ``inventory(probe:cache:name:)``.
    public func loadAll() -> Listing {
        catalogue { candidates in
            candidates.map { candidate in
                do throws(PluginLoadError) {
                    let loaded = try loader.load(candidate)
                    return (PluginRecord(loaded: loaded), loaded)
                } catch {
                    return (PluginRecord(candidate: candidate, error: error), nil)
                }
            }
        }
    }

    /// The one pipeline behind every listing: scan the search path, turn the
    /// candidates into records (and instances, when loaded here), resolve shadowing.
    private func catalogue(_ examine: ([PluginCandidate]) -> [(PluginRecord, LoadedPlugin?)]) -> Listing {
        let scan = PluginScanner(searchPath: searchPath, policy: loader.policy).scan()
        let examined = examine(scan.candidates)
        let records = PluginRecord.resolvingShadows(examined.map(\.0))
        let winners = zip(records, examined).compactMap { $0.status == .loaded ? $1.1 : nil }
        return Listing(records: records, plugins: winners, manifestErrors: scan.manifestErrors)
    }

    /// The result of loading plugins by name.
    public struct Selection: Sendable {
        /// The plugins found, in the order their names were asked for.
        public var plugins: [LoadedPlugin]
        /// The requested names that could not be loaded: a file declared under
        /// that name failed (and no later one succeeded), or nothing had the name.
        public var failures: [PluginFailure]
        /// Problems that did not stop a requested plugin from loading: manifest
        /// syntax errors, dropped-in files that failed, a declared file that
        /// failed before a later plugin of the same name loaded.
        public var warnings: [String]
    }

    /// Loads the first plugin of each name in `names`, walking the search path in order.
    ///
    /// Manifest entries with other names are not touched. A dropped-in file
    /// (no manifest entry) must have run its factory for its name to be
    /// known: with ``DropInNaming/probe(_:cache:)`` that happens in a child
    /// process (or came from the cache), and only a file whose probed name
    /// was asked for is loaded here; with ``DropInNaming/loadInProcess`` the
    /// files met before every name is found are loaded here (their factories
    /// run; nothing is initialized). A candidate that fails to load does not
    /// end the search: a later plugin of that name can still win. A requested
    /// name that no file provides fails with the error of the file declared
    /// under it, or with ``PluginNotFoundError``. Dropped-in files whose
    /// probe failed are not the caller's concern unless a name is not found,
    /// when the error lists them.
    public func load(named names: [String]) -> Selection {
        let scan = PluginScanner(searchPath: searchPath, policy: loader.policy).scan()
        var wanted = Set(names)
        var found: [String: LoadedPlugin] = [:]
        var declaredFailures: [String: PluginFailure] = [:]
        var warnings = scan.manifestErrors.map(\.description)
        var unloadable: [String] = []
        let dropIns = scan.candidates.filter { $0.declaredName == nil }
        var probed: [String: PluginRecord] = [:]
        for record in dropInNaming.records(for: dropIns, policy: loader.policy) ?? [] {
            probed[record.candidate.path] = record
        }
        for candidate in scan.candidates where !wanted.isEmpty {
            if let declared = candidate.declaredName, !wanted.contains(declared) { continue }
            if candidate.declaredName == nil, let record = probed[candidate.path] {
                guard record.status == .loaded, let name = record.name else {
                    unloadable.append("\(candidate.path): \(record.error ?? record.status.rawValue)")
                    continue
                }
                guard wanted.contains(name) else { continue }
            }
            do {
                let known = candidate.declaredName ?? probed[candidate.path]?.name
                let loaded: LoadedPlugin
                if let isolation, let known, isolation.isolates(known, candidate) {
                    loaded = try isolation.host.launch(candidate, name: known)
                } else {
                    loaded = try loader.load(candidate, knownName: known)
                }
                let name = loaded.plugin.name
                if wanted.remove(name) != nil { found[name] = loaded }
            } catch {
                let failure = PluginFailure(name: candidate.declaredName, origin: candidate.path, error: error)
                if let declared = candidate.declaredName, declaredFailures[declared] == nil {
                    declaredFailures[declared] = failure
                } else {
                    warnings.append(failure.description)
                    unloadable.append(error.description)
                }
            }
        }
        var plugins: [LoadedPlugin] = []
        var failures: [PluginFailure] = []
        var seen: Set<String> = []
        for name in names where seen.insert(name).inserted {
            if let plugin = found[name] {
                plugins.append(plugin)
                if let earlier = declaredFailures[name] { warnings.append(earlier.description) }
            } else if let failure = declaredFailures[name] {
                failures.append(failure)
            } else {
                failures.append(
                    PluginFailure(
                        name: name, origin: nil,
                        error: PluginNotFoundError(
                            name: name, searchPath: searchPath, unloadable: unloadable)))
            }
        }
        return Selection(plugins: plugins, failures: failures, warnings: warnings)
    }
}

/// No plugin of a requested name is on the search path.
public struct PluginNotFoundError: Error, Sendable, CustomStringConvertible {
    /// The name asked for.
    public var name: String
    /// The path searched.
    public var searchPath: PluginSearchPath
    /// Files met while searching that failed to load (one of them may have been it).
    public var unloadable: [String] = []

    /// Names the directories searched and how to add one.
    public var description: String {
        let directories = searchPath.directories.map(\.path).joined(separator: ", ")
        return "no plugin named '\(name)' on the plugin search path (\(directories.isEmpty ? "empty" : directories)); "
            + "add its directory with --plugin-path or \(PluginSearchPath.environmentVariable), and see `dagron plugins list`"
            + (unloadable.isEmpty ? "" : "; files that failed to load: " + unloadable.joined(separator: "; "))
    }
}
