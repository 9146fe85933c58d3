@_spi(DagronHost) public import DagronSDK
import Foundation
import Synchronization

/// Registers, initializes and tears down plugins around one ``HookRegistry``.
///
/// ```swift
/// let manager = PluginManager()
/// manager.register(TimingPlugin())
/// manager.initializeAll()
/// let result = await DAGExecutor(dag, hooks: manager.hooks).execute(tasks)
/// manager.teardownAll()
/// ```
///
/// Each plugin is initialized with a view of ``hooks`` scoped to its name, so
/// the manager can remove exactly that plugin's callbacks: when its
/// `initialize` throws, and at teardown even if the plugin forgets to.
public final class PluginManager: Sendable {
    private struct Entry: Sendable {
        var plugin: any DagronPlugin
        var settings: PluginSettings
        var origin: String?
        /// The reserved keys of `settings`, read when the plugin is configured.
        var host = PluginHostSettings()
        var configured = false
        var initialized = false
    }

    private struct State: Sendable {
        var order: [String] = []
        var entries: [String: Entry] = [:]
        var initializationOrder: [String] = []
    }

    /// The registry every plugin registers its hooks on.
    public let hooks: HookRegistry
    /// How each initialized plugin is doing: where it runs, whether it
    /// failed; what `result.json`'s `plugins` section reports.
    public let health = PluginHealth()
    /// The watch every plugin's code reports to while it runs (its hook
    /// callbacks, `configure`, `initialize`, `teardown`), for a
    /// ``CallbackWatchdog``; `nil` when plugins are not watched.
    package let callbackWatch: HookCallbackWatch?
    private let state = Mutex(State())
    let warn: @Sendable (String) -> Void

    /// The process-wide manager that ``dagronPlugin(_:)`` registers with.
    public static let shared = PluginManager()

    /// Creates a manager.
    /// - Parameters:
    ///   - hooks: The registry to share; a new one by default.
    ///   - warningHandler: Receives warnings (duplicate names, failed plugins);
    ///     by default they are written to standard error.
    public convenience init(
        hooks: HookRegistry = HookRegistry(),
        warningHandler: @escaping @Sendable (String) -> Void = PluginManager.standardErrorWarning
    ) {
        self.init(hooks: hooks, warningHandler: warningHandler, callbackWatch: nil)
    }

    /// Creates a manager whose plugins' code is watched with `callbackWatch`
    /// (see ``callbackWatch``), as `dagron run` does; `nil` calls callbacks
    /// as registered. The watch is the SDK's host-only machinery, so this
    /// initializer is for this package's host.
    package init(
        hooks: HookRegistry = HookRegistry(),
        warningHandler: @escaping @Sendable (String) -> Void = PluginManager.standardErrorWarning,
        callbackWatch: HookCallbackWatch?
    ) {
        self.hooks = hooks
        self.warn = warningHandler
        self.callbackWatch = callbackWatch
    }

    /// The watch for `plugin`'s code: ``callbackWatch``, except for an
    /// ``IsolatedPlugin``, whose code runs in its own process under a
    /// watcher of its own (here its callbacks only queue events, and its
    /// teardown waits for the child to catch up, which may rightly take long).
    private func watch(for plugin: any DagronPlugin) -> HookCallbackWatch? {
        plugin is IsolatedPlugin ? nil : callbackWatch
    }

    /// Runs `body`, the plugin `name`'s code for `phase`, where its watch sees it,
    /// and puts the working directory and the handling of the run's signals
    /// back if the plugin changed them.
    private func watched<Result>(
        _ name: String, _ plugin: any DagronPlugin, _ phase: HookCallbackWatch.Phase, _ body: () throws -> Result
    ) rethrows -> Result {
        try undoingProcessChanges(by: "plugin '\(name)'", "in \(phase)") {
            guard let watch = watch(for: plugin) else { return try body() }
            return try watch.run(as: name, phase, body)
        }
    }

    /// Runs `body` (plugin code: loading, or a lifecycle call) and puts back
    /// the working directory and the handling of the run's signals if it
    /// changed them (``WorkingDirectoryGuard``, ``SignalDispositionGuard``),
    /// warning `<who> <what changed> (<when>)`.
    func undoingProcessChanges<Result>(by who: String, _ when: String, _ body: () throws -> Result) rethrows -> Result {
        let directory = WorkingDirectoryGuard()
        let signals = SignalDispositionGuard()
        defer {
            for change in [directory.restore(), signals.restore()].compactMap({ $0 }) {
                warn("\(who) \(change) (\(when))")
            }
        }
        return try body()
    }

    /// The view of ``hooks`` the plugin called `name` registers on.
    private func hooks(for name: String, _ plugin: any DagronPlugin) -> HookRegistry {
        watch(for: plugin).map { hooks.scoped(owner: name, watch: $0) } ?? hooks.scoped(owner: name)
    }

    /// Writes `dagron: warning: <message>` to standard error.
    public static let standardErrorWarning: @Sendable (String) -> Void = { message in
        try? DescriptorWriting.writeAll("dagron: warning: \(message)\n", to: STDERR_FILENO)
    }

    /// Registers a plugin, to be initialized by the next ``initializeAll()``.
    ///
    /// A plugin with the same name as one already registered replaces it,
    /// with a warning. If the earlier one was initialized it is torn down and
    /// its hooks removed; the replacement is initialized by the next
    /// ``initializeAll()``.
    ///
    /// - Parameters:
    ///   - plugin: The plugin.
    ///   - settings: Passed to ``DagronPlugin/configure(_:)`` before initialization.
    ///   - origin: Where the plugin came from (a file path), for messages.
    public func register(_ plugin: any DagronPlugin, settings: PluginSettings? = nil, origin: String? = nil) {
        let name = plugin.name
        let entry = Entry(plugin: plugin, settings: settings ?? PluginSettings(plugin: name), origin: origin)
        let replaced = state.withTrackedLock { state -> Entry? in
            let previous = state.entries.updateValue(entry, forKey: name)
            if previous == nil { state.order.append(name) }
            if previous?.initialized == true { state.initializationOrder.removeAll { $0 == name } }
            return previous
        }
        guard let replaced else { return }
        warn(
            "plugin '\(name)' was registered again\(origin.map { " from \($0)" } ?? ""); the new registration replaces the earlier one"
        )
        if replaced.initialized {
            replaced.plugin.teardown()
            hooks.removeHooks(owner: name)
        }
    }

    /// Sets the settings a registered plugin is configured with. Returns
    /// `false` if no plugin has that name.
    @discardableResult
    public func setSettings(_ settings: PluginSettings, for name: String) -> Bool {
        state.withTrackedLock { state in
            guard state.entries[name] != nil else { return false }
            state.entries[name]!.settings = settings
            state.entries[name]!.configured = false
            return true
        }
    }

    /// The registered plugins, in registration order.
    public var plugins: [any DagronPlugin] {
        state.withTrackedLock { state in state.order.compactMap { state.entries[$0]?.plugin } }
    }

    /// The registered plugin called `name`.
    public func plugin(named name: String) -> (any DagronPlugin)? {
        state.withTrackedLock { $0.entries[name]?.plugin }
    }

    /// Where the plugin called `name` came from (its file), if known.
    public func origin(of name: String) -> String? {
        state.withTrackedLock { $0.entries[name]?.origin }
    }

    /// Whether the plugin called `name` is initialized.
    public func isInitialized(_ name: String) -> Bool {
        state.withTrackedLock { $0.entries[name]?.initialized ?? false }
    }

    /// Configures every registered plugin not configured yet, in
    /// registration order, without initializing it: the check `dagron
    /// validate` and `dagron run` make of the plugins' settings before
    /// anything runs. ``initializeAll()`` does not configure these again
    /// (unless ``setSettings(_:for:)`` changed their settings since).
    ///
    /// Failures are returned, not sent to the warning handler: the caller
    /// reports them (with where each setting came from).
    ///
    /// - Returns: The plugins whose `configure` threw.
    public func configureAll() -> [PluginFailure] {
        let pending = state.withTrackedLock { state in
            state.order.compactMap { name in
                state.entries[name].flatMap { $0.configured || $0.initialized ? nil : (name, $0) }
            }
        }
        var failures: [PluginFailure] = []
        for (name, entry) in pending {
            do {
                try configure(name, entry)
            } catch {
                failures.append(PluginFailure(name: name, origin: entry.origin, error: error))
            }
        }
        return failures
    }

    /// Separates the reserved host settings (see ``PluginHostSettings``)
    /// from the plugin's own, checks the latter against the plugin's
    /// ``DagronSDK/DagronPlugin/settingsSchema`` and configures the plugin with them.
    private func configure(_ name: String, _ entry: Entry) throws {
        let (host, own) = try PluginHostSettings.split(entry.settings)
        (entry.plugin as? any HostSettingsAware)?.useHostSettings(host)
        try watched(name, entry.plugin, .configure) {
            // The schema's checks first, so a declared setting is refused
            // with the same words whether or not the plugin checks it too.
            try entry.plugin.settingsSchema.validate(own)
            try entry.plugin.configure(own)
        }
        state.withTrackedLock { state in
            // Only the registration that was configured, with the settings it was given.
            guard let now = state.entries[name], now.plugin as AnyObject === entry.plugin as AnyObject,
                now.settings == entry.settings
            else { return }
            state.entries[name]!.configured = true
            state.entries[name]!.host = host
        }
    }

    /// How the host runs the plugin called `name`: the reserved keys of its
    /// settings (``PluginHostSettings``), as read when it was configured;
    /// the defaults for a plugin not configured yet or unknown.
    public func hostSettings(of name: String) -> PluginHostSettings {
        state.withTrackedLock { $0.entries[name]?.host ?? PluginHostSettings() }
    }

    /// Configures (unless ``configureAll()`` did) and initializes every
    /// registered plugin that is not yet initialized, in registration order.
    ///
    /// A plugin whose `configure` or `initialize` throws is reported (to the
    /// warning handler and in the returned list), the hooks it registered
    /// before throwing are removed, and the others still initialize.
    ///
    /// - Parameter reportingFailures: Whether failures also go to the
    ///   warning handler; `false` when the caller reports them itself.
    /// - Returns: The plugins that failed.
    @discardableResult
    public func initializeAll(reportingFailures: Bool = true) -> [PluginFailure] {
        let pending = state.withTrackedLock { state in
            state.order.compactMap { name in
                state.entries[name].flatMap { $0.initialized ? nil : (name, $0) }
            }
        }
        var failures: [PluginFailure] = []
        for (name, entry) in pending {
            do {
                if !entry.configured { try configure(name, entry) }
                let view = hooks(for: name, entry.plugin)
                try watched(name, entry.plugin, .initialize) { try entry.plugin.initialize(hooks: view) }
                let current = state.withTrackedLock { state -> Bool in
                    // Replaced meanwhile: the newcomer will be initialized instead.
                    guard let now = state.entries[name], now.plugin as AnyObject === entry.plugin as AnyObject else {
                        return false
                    }
                    state.entries[name]!.initialized = true
                    state.initializationOrder.append(name)
                    return true
                }
                if current { health.add(name, isolation: entry.plugin is IsolatedPlugin ? .process : .inProcess) }
                if !current {
                    entry.plugin.teardown()
                    hooks.removeHooks(owner: name)
                }
            } catch {
                hooks.removeHooks(owner: name)
                let failure = PluginFailure(name: name, origin: entry.origin, error: error)
                failures.append(failure)
                if reportingFailures { warn(failure.description) }
            }
        }
        return failures
    }

    /// Tears down every initialized plugin in reverse initialization order
    /// and removes its hooks, whether or not the plugin removed them itself.
    public func teardownAll() {
        let order = state.withTrackedLock { state in
            defer { state.initializationOrder.removeAll() }
            return state.initializationOrder.reversed().compactMap { name in
                state.entries[name].map { (name, $0.plugin) }
            }
        }
        for (name, plugin) in order {
            watched(name, plugin, .teardown) { plugin.teardown() }
            hooks.removeHooks(owner: name)
            state.withTrackedLock { $0.entries[name]?.initialized = false }
        }
    }

    /// Removes a plugin (tearing it down first if it is initialized).
    public func unregister(_ name: String) {
        let entry = state.withTrackedLock { state -> Entry? in
            state.order.removeAll { $0 == name }
            state.initializationOrder.removeAll { $0 == name }
            return state.entries.removeValue(forKey: name)
        }
        if entry?.initialized == true {
            entry?.plugin.teardown()
            hooks.removeHooks(owner: name)
        }
    }

    /// Registers every plugin the `sources` produce and reports the rest.
    ///
    /// Never throws: failures come back in the report (and go to the warning handler).
    @discardableResult
    public func discover(from sources: [any PluginSource]) -> DiscoveryReport {
        var report = DiscoveryReport()
        for source in sources {
            let items = undoingProcessChanges(by: "a plugin", "while plugins were loaded") {
                source.discoverPlugins()
            }
            for item in items {
                switch item {
                case .loaded(let plugin, let origin, let settings):
                    register(plugin, settings: settings, origin: origin)
                    report.loaded.append(plugin.name)
                case .failed(let failure):
                    warn(failure.description)
                    report.failures.append(failure)
                }
            }
        }
        return report
    }
}
