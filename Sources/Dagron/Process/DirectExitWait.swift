@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Lets the worker thread that started a local attempt wait for the
/// attempt's process itself, on the process's pidfd, instead of through
/// ``ChildExitWatcher``'s thread: the child's exit then wakes the one
/// thread that goes on with the node, as a plain `waitpid` loop does.
///
/// The worker makes itself the calling thread's wait (``starting(_:)``)
/// while it starts the attempt on the ``InlineTaskExecutor``; the
/// attempt's ``ChildExitWatcher/exit(of:)`` then leaves its wait here
/// (``hold(pid:pidfd:continuation:)``) instead of with the watcher, and the
/// worker serves it (``serve(timeout:)``) while it waits for the attempt.
/// Whatever the worker stops waiting for (a timeout that outlived the
/// grace period) goes to the watcher (``handOver()``), so every process is
/// still reaped and every attempt still ends.
final class DirectExitWait: Sendable {
    /// A process's end that someone waits for.
    struct Held: Sendable {
        let pid: Int32
        let pidfd: Int32
        let continuation: CheckedContinuation<ChildExitWatcher.Exit, Never>
    }

    private let held = Mutex<Held?>(nil)
    /// Whether a wait was ever left here: the one attempt leaves one at most.
    private let used = Mutex(false)

    /// Runs `body` (which starts an attempt) with `wait` as the calling
    /// thread's wait, then clears it.
    static func starting<Result>(_ wait: DirectExitWait, _ body: () -> Result) -> Result {
        dagron_set_direct_exit_wait(Unmanaged.passUnretained(wait).toOpaque())
        defer { dagron_set_direct_exit_wait(nil) }
        return body()
    }

    /// The calling thread's wait, while a worker starts an attempt on it.
    static var current: DirectExitWait? {
        guard let raw = dagron_direct_exit_wait() else { return nil }
        return Unmanaged<DirectExitWait>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Keeps the wait for `pid`'s end; `false` if one was kept already.
    func hold(pid: Int32, pidfd: Int32, continuation: CheckedContinuation<ChildExitWatcher.Exit, Never>) -> Bool {
        guard
            used.withTrackedLock({ used in
                defer { used = true }
                return !used
            })
        else { return false }
        held.withTrackedLock { $0 = Held(pid: pid, pidfd: pidfd, continuation: continuation) }
        return true
    }

    /// Waits up to `timeout` (no limit when `nil`) for the held process to
    /// end, then reaps it and resumes its waiter, which goes on on this
    /// thread. `false` if the time ran out first (the wait is still held);
    /// `true` once it ended, or when nothing is held.
    func serve(timeout: Duration?) -> Bool {
        guard let waiting = held.withTrackedLock({ $0 }) else { return true }
        let milliseconds = timeout.map { Self.milliseconds($0) } ?? -1
        switch dagron_pidfd_wait(waiting.pidfd, milliseconds) {
        case 0:
            return false
        case 1:
            held.withTrackedLock { $0 = nil }
            close(waiting.pidfd)
            waiting.continuation.resume(returning: ChildExitWatcher.reap(waiting.pid))
            return true
        default:
            // Cannot happen with a valid pidfd: leave the wait to the watcher.
            handOver()
            return true
        }
    }

    /// Gives a wait still held to ``ChildExitWatcher``.
    func handOver() {
        guard
            let waiting = held.withTrackedLock({ held in
                defer { held = nil }
                return held
            })
        else { return }
        ChildExitWatcher.shared.adopt(waiting)
    }

    /// `duration` in whole milliseconds, rounded up, saturating.
    private static func milliseconds(_ duration: Duration) -> Int64 {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int64.max }
        let (total, carry) = whole.addingReportingOverflow((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        return carry ? Int64.max : total
    }
}
