@_spi(DagronHost) import Dagron
@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

/// Makes a crash of `dagron run` (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
/// SIGTRAP; Swift runtime traps are SIGILL or SIGTRAP), most likely in
/// in-process plugin code, leave no node running and say what it knows.
///
/// The handlers (in `DagronSystemShims`, on an alternate signal stack where
/// the thread has one) first do what is async-signal-safe: `SIGKILL` to
/// every node's process group, read from a table kept without allocation
/// (``ProcessGroupRegistry`` fills it). Then, bounded by an alarm of
/// ``reportBound`` seconds, ``report(signal:)``: which plugin code was
/// running (from the ``CallbackWatchdog`` of ``InProcessPluginGuard``), the plugin marked `crashed` and
/// handed to the quarantine (``InProcessPluginGuard/recordCrashInQuarantine(plugin:fault:)``),
/// and the run ended through ``RunEnding/recordCrash(signal:reason:)``
/// (leftovers killed, `result.json` with `endedEarly`, the summary, the
/// executor plugins' unfinished cluster jobs cancelled). Last,
/// the default action is restored and the signal raised again: the process
/// dies of it (exit status 128 + signal in a shell; a core dump where enabled).
enum CrashGuard {
    /// How long the best-effort report may take, in seconds.
    static let reportBound: UInt32 = 5

    /// Installs the handlers (once per process). Returns why it could not, or `nil`.
    static func install() -> String? {
        guard dagron_crash_guard_install({ signal in CrashGuard.report(signal: signal) }, reportBound) == 0 else {
            return String(cString: strerror(errno))
        }
        return nil
    }

    /// The best-effort part of a crash (see the type's description).
    private static func report(signal: Int32) {
        let current = InProcessPluginGuard.pluginCodeRunning
        var reason = "dagron crashed with signal \(signal)" + (PluginFault.signalName(signal).map { " (\($0))" } ?? "")
        if let (activity, node) = current {
            reason +=
                " while plugin '\(activity.owner)' was handling \(activity.phase)"
                + (node.map { " (node '\($0)')" } ?? "")
            let fault = PluginFault(
                kind: .crashed, signal: signal, phase: activity.phase.faultPhase, event: activity.phase.eventName,
                node: node)
            InProcessPluginGuard.fail(activity.owner, fault)
        } else if let loading = PluginLoadTracker.current {
            // A constructor of the plugin's library, or its factory: the
            // next run loads it isolated.
            reason += " while loading \(loading.described)"
            if let name = loading.name {
                InProcessPluginGuard.recordCrashInQuarantine(
                    plugin: name, file: loading.path, fault: PluginFault(kind: .crashed, signal: signal, phase: "load"))
            }
        } else {
            reason += " while no plugin callback was running (in a thread of a plugin's own, or in dagron)"
        }
        switch UnexpectedExitGuard.current {
        case .disarmed:
            printError(reason)
        case .settingUp:
            printError(reason + "; no node was started")
        case .running(let ending):
            if let phase = current?.activity.phase, phase.isBuildEvent {
                printError(reason + "; no node was started")
            } else {
                ending.recordCrash(
                    signal: signal, reason: reason + "; unfinished nodes were killed and are reported cancelled")
            }
        }
        dagron_flush_standard_streams()
    }
}

extension HookCallbackWatch.Phase {
    /// `pre_build` or `post_build`: the DAG is being built, no node has started.
    var isBuildEvent: Bool {
        self == .event(.preBuild) || self == .event(.postBuild)
    }
}
