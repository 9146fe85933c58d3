@_spi(DagronHost) import DagronSDK
import Synchronization

/// A run's scheduler state and its mutex, in an allocation of their own with
/// a cache line of padding on either side.
///
/// Workers lock the state for every node. Kept inline in ``ExecutionRun``,
/// the mutex shared a cache line with the run's read-only fields (names,
/// tasks, the event delivery), so on a wide DAG every lock by one worker made
/// the other worker's next reads of those fields miss.
final class RunStateBox<State: Sendable>: Sendable {
    private let before = CacheLinePadding()
    private let mutex: Mutex<State>
    private let after = CacheLinePadding()

    init(_ state: sending State) {
        mutex = Mutex(state)
    }

    /// Runs `body` with the state locked (see `Mutex.withTrackedLock`).
    @inline(__always)
    func withTrackedLock<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        mutex.withTrackedLock(body)
    }
}

/// 64 bytes that keep their neighbours on different cache lines.
struct CacheLinePadding: Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
}
