@_spi(DagronHost) import DagronSDK
import Synchronization

/// The time this process has spent stopped by job control (Ctrl-Z, until
/// the shell's `fg` or `bg`), which a node's timeout does not count: a run
/// paused for an hour does not find its nodes timed out when it goes on.
///
/// Whoever stops the process brackets the stop with ``begin()`` and
/// ``end()`` (`dagron run` does, see `JobStopRelay`). A stop that has begun
/// and not ended counts up to now, so a waiter that wakes as the process is
/// continued, before ``end()``, already sees the whole stop.
public final class ProcessSuspension: Sendable {
    /// The process's ledger.
    public static let shared = ProcessSuspension()

    private struct State {
        var total: Duration = .zero
        var since: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    /// An empty ledger (the process has one: ``shared``).
    init() {}

    /// The process is about to stop.
    public func begin() {
        state.withTrackedLock { state in
            if state.since == nil { state.since = .now }
        }
    }

    /// The process has been continued.
    public func end() {
        state.withTrackedLock { state in
            guard let since = state.since else { return }
            state.total += .now - since
            state.since = nil
        }
    }

    /// The time spent stopped so far, a stop still going on included.
    public var stoppedTime: Duration {
        state.withTrackedLock { state in
            state.total + (state.since.map { .now - $0 } ?? .zero)
        }
    }
}
