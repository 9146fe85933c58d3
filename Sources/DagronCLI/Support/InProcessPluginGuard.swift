import ArgumentParser
@_spi(DagronHost) import Dagron
@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The watchdogs of in-process plugin code during `dagron run`, from the
/// first plugin code to the end of the command:
///
/// - a ``CallbackWatchdog`` on the manager's ``PluginManager/callbackWatch``:
///   a callback over its plugin's `callback_budget` is reported once per
///   plugin and event; plugin code past its `stall_timeout` ends the run
///   (it holds the thread that delivers events): during set-up (`configure`,
///   `initialize`, `pre_build`, `post_build`) with exit code 2 and no node
///   started, during the run through ``RunEnding/endOnStalledPlugin(_:)``;
/// - the ``CrashGuard``: a crash kills every node and says which plugin
///   code was running.
///
/// A stalled or crashed plugin is handed to
/// ``recordCrashInQuarantine(plugin:fault:)``.
struct InProcessPluginGuard: Sendable {
    private let watchdog: CallbackWatchdog?

    /// Starts watching the plugins of `manager` (if it has a callback watch)
    /// and installs the crash guard.
    init(manager: PluginManager) {
        guard let watch = manager.callbackWatch else {
            watchdog = nil
            return
        }
        let health = manager.health
        let watchdog = CallbackWatchdog(
            watch: watch, health: health, hostSettings: { manager.hostSettings(of: $0) },
            warn: { printWarning($0) },
            onStall: { stall in Self.stalled(stall, health: health) })
        watchdog.attach(to: manager.hooks)
        watchdog.start()
        Self.active.withTrackedLock { $0 = Active(watchdog: watchdog, health: health) }
        if let why = CrashGuard.install() {
            printWarning("cannot install the crash handlers (\(why)): a crash would leave running nodes behind")
        }
        self.watchdog = watchdog
    }

    /// Stops watching: `dagron run` is ending the process itself.
    func stop() {
        watchdog?.stop()
        Self.active.withTrackedLock { $0 = nil }
    }

    // MARK: Faults noticed elsewhere

    /// The watchdog and plugin health of the run being watched.
    private struct Active: Sendable {
        let watchdog: CallbackWatchdog
        let health: PluginHealth
    }

    private static let active = Mutex<Active?>(nil)

    /// The plugin code running now (with its node's name), for a fault
    /// noticed outside the watchdog (`exit()`, a crash): `nil` when none is
    /// or nothing is watched.
    static var pluginCodeRunning: (activity: HookCallbackWatch.Activity, node: String?)? {
        active.withTrackedLock { $0 }?.watchdog.current
    }

    /// Records that in-process plugin `plugin` failed with `fault`: in the
    /// run's plugin health (for `result.json`) and in the quarantine.
    static func fail(_ plugin: String, _ fault: PluginFault) {
        active.withTrackedLock { $0 }?.health.fail(plugin, fault)
        recordCrashInQuarantine(plugin: plugin, fault: fault)
    }

    /// What exit() in plugin code left to say: the plugin marked `exited`
    /// and ` (plugin 'x' in post_node, node 'b')`, or an empty string when
    /// no plugin code was running as far as the watch knows.
    static func blameExit() -> String {
        guard let (activity, node) = pluginCodeRunning else { return "" }
        fail(
            activity.owner,
            PluginFault(
                kind: .exited, phase: activity.phase.faultPhase, event: activity.phase.eventName, node: node))
        return " (plugin '\(activity.owner)' in \(activity.phase)\(node.map { ", node '\($0)'" } ?? ""))"
    }

    /// Plugin code ran past its stall timeout: the run cannot go on.
    private static func stalled(_ stall: CallbackWatchdog.Stall, health: PluginHealth) {
        health.fail(stall.activity.owner, stall.fault)
        recordCrashInQuarantine(plugin: stall.activity.owner, fault: stall.fault)
        switch UnexpectedExitGuard.current {
        case .disarmed:
            return
        case .settingUp:
            failSetUp(stall)
        case .running(let ending):
            if stall.activity.phase.isBuildEvent { failSetUp(stall) }
            ending.endOnStalledPlugin(stall)
        }
    }

    private static func failSetUp(_ stall: CallbackWatchdog.Stall) -> Never {
        printError("\(stall.description); the run cannot be set up, no node was started")
        dagron_flush_standard_streams()
        _exit(ExitStatus.usage.rawValue)
    }

    // MARK: Quarantine

    /// Where a plugin that crashed or stalled in-process is recorded for the
    /// plugin quarantine: ``recordCrashInQuarantine(plugin:fault:)`` calls it.
    /// Until `dagron run` connects the quarantine store, it does nothing.
    /// Its arguments: the plugin's name, its file when known (else the file
    /// it was registered from is looked up), the fault.
    static let quarantine = Mutex<@Sendable (String, String?, PluginFault) -> Void>({ _, _, _ in })

    /// Records that the in-process plugin `plugin` crashed or stalled with
    /// `fault` (through ``quarantine``). Called from the crash handler too,
    /// so it must not wait for anything that plugin code may hold.
    static func recordCrashInQuarantine(plugin: String, file: String? = nil, fault: PluginFault) {
        quarantine.withTrackedLock { $0 }(plugin, file, fault)
    }
}
