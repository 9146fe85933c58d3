@_spi(DagronHost) import DagronSDK
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How dagron starts isolated plugins (``PluginIsolation/process``): the
/// executable that serves as their host process and where their faults are
/// reported.
///
/// ```swift
/// let host = IsolatedPluginHost(executable: dagronPath, arguments: ["plugins", "host-child"], health: manager.health)
/// let loaded = try host.launch(candidate, name: "event-recorder")
/// manager.register(loaded.plugin, settings: ..., origin: loaded.path)
/// ```
public struct IsolatedPluginHost: Sendable {
    /// The host executable (for `dagron run`: `dagron` itself).
    public var executable: String
    /// The arguments that put it in host mode, before the plugin's.
    public var arguments: [String]
    /// The safety policy the child loads with (the parent's).
    public var policy: PluginSafetyPolicy
    /// Where a plugin's failure during the run is recorded.
    public var health: PluginHealth
    /// Prints a warning (once per failed plugin).
    public var warn: @Sendable (String) -> Void
    /// Told of every fault after it was recorded: plugin name, file, fault
    /// (for the quarantine).
    public var onFault: @Sendable (String, String, PluginFault) -> Void
    /// How long the child may take to load the plugin.
    public var loadTimeout: Duration

    /// Creates a host description.
    public init(
        executable: String, arguments: [String], policy: PluginSafetyPolicy = .current(),
        health: PluginHealth = PluginHealth(),
        warn: @escaping @Sendable (String) -> Void = PluginManager.standardErrorWarning,
        onFault: @escaping @Sendable (String, String, PluginFault) -> Void = { _, _, _ in },
        loadTimeout: Duration = .seconds(20)
    ) {
        self.executable = executable
        self.arguments = arguments
        self.policy = policy
        self.health = health
        self.warn = warn
        self.onFault = onFault
        self.loadTimeout = loadTimeout
    }

    /// Starts a host process for `candidate`, which must be the plugin called
    /// `name`, and returns its proxy once the plugin is loaded there.
    /// The child makes the same safety checks and load steps as an
    /// in-process load.
    /// - Throws: the ``PluginLoadError`` of what the child met: a refusal or
    ///   load error, a crash, an exit, a timeout.
    public func launch(_ candidate: PluginCandidate, name: String) throws(PluginLoadError) -> LoadedPlugin {
        let process: IsolatedProcess
        do {
            process = try IsolatedProcess.spawn(
                executable: executable,
                arguments: arguments + ["--file", candidate.path, "--symbol", candidate.factorySymbol, "--name", name]
                    + (policy == .relaxed ? ["--relaxed"] : []))
        } catch {
            throw .unreadable(path: candidate.path, reason: "could not start its isolated host \(executable): \(error)")
        }
        let plugin = IsolatedPlugin(name: name, file: candidate.path, process: process, host: self)
        try plugin.awaitLoaded(timeout: loadTimeout)
        return LoadedPlugin(
            plugin: plugin, path: candidate.path, abiVersion: DagronPluginABI.runtimeVersion, candidate: candidate)
    }
}
