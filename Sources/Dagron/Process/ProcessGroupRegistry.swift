@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The process groups of the commands running right now, so they can all be
/// killed at once (for example on a second Ctrl-C, when there is no time to
/// let each node stop in order).
///
/// Every group is also entered in the crash guard's table
/// (`dagron_crash_groups_add`), which a crash handler can read without
/// allocating or locking; see `CrashGuard` in the `dagron` command.
public final class ProcessGroupRegistry: Sendable {
    private struct State {
        var groups: Set<ProcessGroup> = []
        /// Set by ``sealAndKillAll()``: the run is being abandoned.
        var sealed = false
        /// Between ``pauseAll()`` and ``resumeAll()``.
        var paused = false
    }

    private let state = Mutex(State())

    /// Creates an empty registry.
    public init() {}

    /// Records a running group; after ``sealAndKillAll()``, kills it instead
    /// (a command that was being started while the run was abandoned).
    /// While paused (``pauseAll()``), the group is stopped at once.
    public func insert(_ group: ProcessGroup) {
        let sealed = state.withTrackedLock { state in
            if !state.sealed { state.groups.insert(group) }
            // Under the lock: a ``resumeAll()`` cannot slip in between and
            // leave the group stopped.
            if state.paused && !state.sealed { group.send(SIGTSTP) }
            return state.sealed
        }
        // Also killed if the crash guard has fired meanwhile.
        let crashed = dagron_crash_groups_add(group.id) != 0
        if sealed || crashed { group.killAll() }
    }

    /// Forgets a group whose command has ended.
    public func remove(_ group: ProcessGroup) {
        _ = state.withTrackedLock { $0.groups.remove(group) }
        dagron_crash_groups_remove(group.id)
    }

    /// The groups recorded now.
    public var running: Set<ProcessGroup> {
        state.withTrackedLock { $0.groups }
    }

    /// Sends `SIGKILL` to every recorded group.
    public func killAll() {
        for group in running { group.killAll() }
    }

    /// Stops every recorded group with `SIGTSTP`, as Ctrl-Z stops the
    /// processes of a terminal's foreground job (nodes lead process groups
    /// of their own, which the terminal's Ctrl-Z does not reach), and every
    /// group recorded until ``resumeAll()`` as soon as it is.
    public func pauseAll() {
        state.withTrackedLock { state in
            state.paused = true
            for group in state.groups { group.send(SIGTSTP) }
        }
    }

    /// Continues every recorded group (`SIGCONT`) after ``pauseAll()``.
    public func resumeAll() {
        state.withTrackedLock { state in
            state.paused = false
            for group in state.groups { group.send(SIGCONT) }
        }
    }

    /// Sends `SIGKILL` to every recorded group, and to every group recorded
    /// from now on as soon as it is: for a run that is being abandoned while
    /// other threads may still be starting commands.
    public func sealAndKillAll() {
        let groups = state.withTrackedLock { state in
            state.sealed = true
            return state.groups
        }
        for group in groups { group.killAll() }
    }
}
