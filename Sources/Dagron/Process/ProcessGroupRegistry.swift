import DagronSDK
import Synchronization

/// The process groups of the commands running right now, so they can all be
/// killed at once (for example on a second Ctrl-C, when there is no time to
/// let each node stop in order).
public final class ProcessGroupRegistry: Sendable {
    private let groups = Mutex<Set<ProcessGroup>>([])

    /// Creates an empty registry.
    public init() {}

    /// Records a running group.
    public func insert(_ group: ProcessGroup) {
        _ = groups.withTrackedLock { $0.insert(group) }
    }

    /// Forgets a group whose command has ended.
    public func remove(_ group: ProcessGroup) {
        _ = groups.withTrackedLock { $0.remove(group) }
    }

    /// The groups recorded now.
    public var running: Set<ProcessGroup> {
        groups.withTrackedLock { $0 }
    }

    /// Sends `SIGKILL` to every recorded group.
    public func killAll() {
        for group in running { group.killAll() }
    }
}
