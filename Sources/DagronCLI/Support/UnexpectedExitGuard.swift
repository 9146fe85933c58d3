import ArgumentParser
import DagronSDK
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Catches plugin code that calls `exit` during `dagron run`, so the process
/// never ends with the plugin's status and orphaned nodes.
///
/// An `atexit` handler, installed once, looks at the phase ``arm(_:)`` and
/// ``disarm()`` set:
/// - during set-up (plugins load, configure and initialize before the run
///   directory exists), it says so and exits 2: nothing ran;
/// - during the run, it hands over to ``RunEnding/endOnUnexpectedExit()``:
///   nodes killed, `result.json` written, the run's own exit code;
/// - once `dagron run` has finished (disarmed), it does nothing, so the
///   normal `exit` at the end of the command is untouched.
///
/// The handler ends the process with `_exit`, so other `atexit` handlers and
/// destructors (which a misbehaving plugin may have left in a bad state) do not run.
enum UnexpectedExitGuard {
    /// What the handler does now.
    enum Phase: Sendable {
        /// `dagron run` is ending the process itself (or has not started).
        case disarmed
        /// Plugins are being set up; no run exists yet.
        case settingUp
        /// The run that this ending ends.
        case running(RunEnding)
    }

    private static let phase = Mutex<Phase>(.disarmed)
    private static let installed = Mutex(false)

    /// Watches the set-up phase: plugin code is about to run, but no run exists yet.
    static func armForSetUp() {
        install()
        phase.withTrackedLock { $0 = .settingUp }
    }

    /// Watches the run that `ending` ends.
    static func arm(_ ending: RunEnding) {
        install()
        phase.withTrackedLock { $0 = .running(ending) }
    }

    /// Stops watching: `dagron run` is ending the process itself.
    static func disarm() {
        phase.withTrackedLock { $0 = .disarmed }
    }

    /// The phase now: what the other guards of plugin code (the callback
    /// watchdog, the crash guard) do on a fault depends on it too.
    static var current: Phase {
        phase.withTrackedLock { $0 }
    }

    private static func install() {
        installed.withTrackedLock { installed in
            guard !installed else { return }
            installed = true
            atexit { UnexpectedExitGuard.processIsExiting() }
        }
    }

    private static func processIsExiting() {
        switch phase.withTrackedLock({ $0 }) {
        case .disarmed:
            return
        case .settingUp:
            printError(
                "the process was ended by a call to exit() in plugin code\(InProcessPluginGuard.blameExit()) "
                    + "while the plugins were being set up; no node was started")
            _exit(ExitStatus.usage.rawValue)
        case .running(let ending):
            ending.endOnUnexpectedExit(culprit: InProcessPluginGuard.blameExit())
        }
    }
}
