@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Lets the worker thread that started a local attempt's task wait for the
/// attempt's process itself, on the process's pidfd, instead of through
/// ``ChildExitWatcher``'s thread: the child's exit then wakes the one
/// thread that goes on with the node, as a plain `waitpid` loop does.
/// (Only attempts with a time limit have a task; the others run on the
/// worker's thread and wait in `waitid` themselves, see ``NodeTask/blocking``.)
///
/// The worker makes itself the calling thread's wait (``starting(_:)``)
/// while it starts the attempt on the ``InlineTaskExecutor``; the
/// attempt's ``ChildExitWatcher/exit(of:)`` then leaves its wait here
/// (``hold(_:)``) instead of with the watcher, and the
/// worker serves it (``serve(timeout:)``) while it waits for the attempt.
/// Whatever the worker stops waiting for (a timeout that outlived the
/// grace period) goes to the watcher (``handOver()``), so every process is
/// still reaped and every attempt still ends.
///
/// A wait with no time limit needs no pidfd: the worker blocks in `waitid`
/// on the pid, one system call where a pidfd costs three (`pidfd_open`,
/// `poll`, `close`; `pidfd_open` also allocates an inode). A pidfd is
/// opened only for a wait with a limit, or one handed to the watcher; the
/// process is not reaped before either, so its pid cannot be reused.
final class DirectExitWait: Sendable {
    /// A process's end that someone waits for.
    struct Held: Sendable {
        let pid: Int32
        /// The process's pidfd, or -1 while none was opened.
        var pidfd: Int32
        let continuation: CheckedContinuation<ChildExitWatcher.Exit, Never>
    }

    /// Where the one wait an attempt leaves here stands.
    private enum State {
        /// No wait was left yet.
        case open
        /// A wait is held, for ``serve(timeout:)``.
        case holding(Held)
        /// The wait was served or handed over: any other goes to the watcher.
        case closed
    }

    private let state = Mutex(State.open)

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

    /// Keeps the wait `held`; `false` if one was kept here already.
    func hold(_ held: Held) -> Bool {
        state.withTrackedLock { state in
            guard case .open = state else { return false }
            state = .holding(held)
            return true
        }
    }

    /// Waits up to `timeout` (no limit when `nil`) for the held process to
    /// end, then reaps it and resumes its waiter, which goes on on this
    /// thread. `false` if the time ran out first (the wait is still held);
    /// `true` once it ended, or when nothing is held.
    func serve(timeout: Duration?) -> Bool {
        guard case .holding(var waiting) = state.withTrackedLock({ $0 }) else { return true }
        guard let timeout else {
            // No limit: wait in `waitid` itself, as a `waitpid` loop does.
            state.withTrackedLock { $0 = .closed }
            if waiting.pidfd >= 0 { close(waiting.pidfd) }
            waiting.continuation.resume(returning: ChildExitWatcher.reap(waiting.pid))
            return true
        }
        if waiting.pidfd < 0 {
            waiting.pidfd = dagron_pidfd_open(waiting.pid)
            // Without pidfds (Linux before 5.3) the watcher finds another way.
            guard waiting.pidfd >= 0 else {
                handOver()
                return true
            }
            let kept = waiting
            state.withTrackedLock { $0 = .holding(kept) }
        }
        // Whole milliseconds, rounded up; saturating.
        switch dagron_pidfd_wait(waiting.pidfd, Self.milliseconds(timeout.clampedNanoseconds)) {
        case 0:
            return false
        case 1:
            state.withTrackedLock { $0 = .closed }
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
        let waiting = state.withTrackedLock { state -> Held? in
            guard case .holding(let held) = state else { return nil }
            state = .closed
            return held
        }
        if let waiting { ChildExitWatcher.shared.adopt(waiting.pid, pidfd: waiting.pidfd, waiting.continuation) }
    }

    /// `nanoseconds` in whole milliseconds, rounded up (`Int64.max` stays).
    private static func milliseconds(_ nanoseconds: Int64) -> Int64 {
        nanoseconds == Int64.max ? Int64.max : nanoseconds / 1_000_000 + (nanoseconds % 1_000_000 == 0 ? 0 : 1)
    }
}
