@_spi(DagronHost) import DagronSDK
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Stops a running command's process group when its node is cancelled (a
/// timeout, fail-fast, Ctrl-C): `SIGTERM` (and `SIGCONT`, so stopped
/// members see it) at once, then `SIGKILL` after the grace period unless
/// the group's leader has exited by then.
final class GroupTermination: Sendable {
    /// The group.
    let group: ProcessGroup
    /// How long the group has between `SIGTERM` and `SIGKILL`.
    let grace: Duration
    private let leaderExited = Mutex(false)

    /// Prepares to stop `group`.
    init(group: ProcessGroup, grace: Duration) {
        self.group = group
        self.grace = grace
    }

    /// Records that the leader has exited (and was reaped): no signal is sent from now on.
    func leaderHasExited() {
        leaderExited.withTrackedLock { $0 = true }
    }

    /// Sends `SIGTERM`, and `SIGKILL` after ``grace`` if the leader is still running.
    func begin() {
        guard !leaderExited.withTrackedLock({ $0 }) else { return }
        group.send(SIGTERM)
        group.send(SIGCONT)
        Task.detached { [self] in
            try? await Task.sleep(for: grace)
            if !leaderExited.withTrackedLock({ $0 }) { group.killAll() }
        }
    }
}
