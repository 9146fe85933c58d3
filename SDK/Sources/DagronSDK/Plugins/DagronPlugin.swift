/// A dagron plugin: something that attaches hooks to a ``HookRegistry``.
///
/// ```swift
/// import DagronSDK
/// import Synchronization
///
/// final class CountingPlugin: DagronPlugin {
///     let name = "counting"
///     let nodes = Atomic<Int>(0)
///     func initialize(hooks: HookRegistry) throws {
///         hooks.register(.postNode) { [nodes] _ in nodes.add(1, ordering: .relaxed) }
///     }
/// }
/// ```
///
/// ## Lifecycle
/// The host creates the plugin (through its factory, see ``DagronPluginBox``),
/// then calls ``configure(_:)`` with the user's settings, ``initialize(hooks:)``
/// once, and finally ``teardown()`` once, in reverse order of initialization.
///
/// ## Implementation requirements
/// - ``name`` is stable and unique: it is how users enable the plugin
///   (`plugins:` in a pipeline, `--plugin NAME`) and what `dagron plugins list`
///   shows.
/// - ``initialize(hooks:)`` registers callbacks and may start resources.
///   Throw if the plugin cannot work (a missing setting, a port in use): the
///   host reports the error and removes any hooks registered before the throw.
/// - **Never throw from a hook.** An error a callback throws is caught and
///   shown as a warning, but it can hide the real problem. Log and go on.
/// - **Keep hooks quick.** They run on executor threads; do network or disk
///   work on a queue or task of your own.
/// - Callbacks may be called from any thread; events of one run are delivered
///   one at a time (see ``HookRegistry``). Keep mutable state behind a `Mutex`.
/// - ``teardown()`` must release everything the plugin started: threads,
///   event-loop groups, servers, sockets, file handles. After it returns
///   nothing of the plugin may still run. The host removes the plugin's hooks
///   itself, so unregistering is optional.
/// - Never pass library types (a swift-log `Logger`, a NIO event loop) across
///   the plugin boundary: share SDK types and plain values only.
///
/// ## Checking an implementation
/// ```swift
/// @Test func pluginSeesNodes() throws {
///     let hooks = HookRegistry()
///     let plugin = CountingPlugin()
///     try plugin.configure(PluginSettings(plugin: plugin.name))
///     try plugin.initialize(hooks: hooks)
///     hooks.fire(HookContext(event: .postNode, nodeName: "a"))
///     #expect(plugin.nodes.load(ordering: .relaxed) == 1)
///     plugin.teardown()
/// }
/// ```
public protocol DagronPlugin: Sendable {
    /// The plugin's unique name, for example `timing`.
    var name: String { get }
    /// The plugin's version, shown by `dagron plugins list`. Defaults to `0.0.0`.
    var version: String { get }
    /// One line saying what the plugin does. Defaults to an empty string.
    var summary: String { get }
    /// The settings the plugin accepts: keys, forms, defaults, secrets and
    /// help (see ``PluginSettingsSchema``). The host checks the user's
    /// settings against it before ``configure(_:)``. Defaults to an empty,
    /// undeclared schema: the host then checks nothing and `configure` does.
    var settingsSchema: PluginSettingsSchema { get }
    /// The settings whose values are secrets (tokens, webhook URLs,
    /// passwords). Hosts never display their values, for example in
    /// `dagron plugins info`.
    ///
    /// Deprecated in favour of ``PluginSetting/isSecret`` in
    /// ``settingsSchema``: defaults to the schema's secret keys, and is read
    /// only for plugins that declare no schema.
    var secretSettings: Set<String> { get }
    /// Receives the user's settings before ``initialize(hooks:)``, after the
    /// host checked them against ``settingsSchema``.
    ///
    /// The default implementation checks the settings against
    /// ``settingsSchema`` once more (so a plugin used without a host is
    /// checked too); with no schema declared it accepts no settings and throws
    /// ``PluginSettingsError/unknownKeys(plugin:keys:)`` for any it is given.
    func configure(_ settings: PluginSettings) throws
    /// Registers the plugin's hooks. Called once. May throw.
    func initialize(hooks: HookRegistry) throws
    /// Releases what ``initialize(hooks:)`` started. Defaults to doing nothing.
    func teardown()
}

extension DagronPlugin {
    /// `0.0.0`.
    public var version: String { "0.0.0" }
    /// An empty string.
    public var summary: String { "" }
    /// An empty schema: settings undeclared.
    public var settingsSchema: PluginSettingsSchema { PluginSettingsSchema() }
    /// The secret keys of ``settingsSchema``.
    public var secretSettings: Set<String> { settingsSchema.secretKeys }
    /// Checks the settings against ``settingsSchema``; with none declared, throws for any key.
    public func configure(_ settings: PluginSettings) throws {
        let schema = settingsSchema
        guard schema.isDeclared else { return try settings.rejectUnknownKeys(allowed: []) }
        try schema.validate(settings)
    }
    /// Does nothing.
    public func teardown() {}
}
