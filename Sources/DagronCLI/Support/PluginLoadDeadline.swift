import ArgumentParser
import Dagron
@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Ends `dagron run`'s set-up when loading one plugin file in-process takes
/// longer than that plugin's stall timeout: a constructor in its library, or
/// its factory, that never returns would otherwise keep the run waiting
/// forever, before any node started and before the callback watchdog knows
/// the plugin. The plugin is quarantined (the next run loads it isolated),
/// and the run exits 2.
///
/// A thread of its own looks at ``PluginLoadTracker`` ten times a second
/// until ``stop()``.
final class PluginLoadDeadline: Sendable {
    private let stopped = Atomic<Bool>(false)

    /// Starts watching. `stallTimeout` gives the timeout, in seconds, for
    /// the plugin of a name (`nil` when the name is not known yet).
    init(stallTimeout: @escaping @Sendable (String?) -> Double) {
        Thread.detachNewThread { [self] in
            while !stopped.load(ordering: .relaxed) {
                usleep(100_000)
                guard let loading = PluginLoadTracker.current else { continue }
                let limit = stallTimeout(loading.name)
                guard ContinuousClock.now - loading.started > .seconds(limit) else { continue }
                guard !stopped.load(ordering: .relaxed) else { return }
                Self.fail(loading, limit: limit)
            }
        }
    }

    /// Stops watching: every plugin is loaded.
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private static func fail(_ loading: PluginLoadTracker.Loading, limit: Double) -> Never {
        let seconds = DurationText.format(limit)
        if let name = loading.name {
            InProcessPluginGuard.recordCrashInQuarantine(
                plugin: name, file: loading.path,
                fault: PluginFault(kind: .stalled, phase: "load", detail: "still loading after \(seconds)"))
        }
        printError(
            "\(loading.described) did not finish loading "
                + "within \(seconds) (a constructor in its library or its factory does not return; its stall_timeout); "
                + "the run cannot be set up, no node was started")
        dagron_flush_standard_streams()
        _exit(ExitStatus.usage.rawValue)
    }
}
