#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process group a node's command leads: the command and everything it
/// starts (unless they move themselves elsewhere).
public struct ProcessGroup: Sendable, Hashable {
    /// The group id: the leader's process id.
    public let id: Int32

    /// The group led by process `id`.
    public init(id: Int32) {
        self.id = id
    }

    /// Sends `signal` to every process of the group.
    /// - Returns: `false` if no process is left in the group.
    @discardableResult
    public func send(_ signal: Int32) -> Bool {
        guard id > 1 else { return false }
        return kill(-id, signal) == 0
    }

    /// Whether any process of the group is still alive (zombies included).
    public var isAlive: Bool {
        guard id > 1 else { return false }
        return kill(-id, 0) == 0
    }

    /// Kills the whole group with `SIGKILL`.
    public func killAll() {
        send(SIGKILL)
    }

    /// Reaps the members of the group that are this process's children and
    /// have exited. With `dagron` a child subreaper (``ChildSubreaper``),
    /// the background processes of a command whose shell has exited are its
    /// children; once dead they stay in the group as zombies until reaped.
    /// Call it only once the leader itself has been waited for.
    public func reapExitedChildren() {
        guard id > 1 else { return }
        var status: Int32 = 0
        while true {
            let reaped = waitpid(-id, &status, WNOHANG)
            if reaped > 0 { continue }
            if reaped < 0 && errno == EINTR { continue }
            return
        }
    }

    /// Ends whatever is left of the group after its leader was waited for:
    /// `SIGTERM` (and `SIGCONT`, so stopped members see it), then `SIGKILL`
    /// after `grace` if anything is still alive, reaping the members that
    /// are this process's children. Returns at once when the group is empty;
    /// otherwise within `grace` plus at most two seconds, whether or not
    /// the calling task is cancelled.
    public func stop(grace: Duration) async {
        var stopping = Stopping(group: self, grace: grace)
        while stopping.goesOn() { await Self.pause() }
    }

    /// What ``stop(grace:)`` does, blocking the calling thread instead of
    /// suspending a task (for attempts that run on a worker's thread).
    func stopBlocking(grace: Duration) {
        var stopping = Stopping(group: self, grace: grace)
        while stopping.goesOn() { usleep(20_000) }
    }

    /// The steps of ending a group, between which its caller pauses.
    private struct Stopping {
        private enum Phase {
            case begin
            case terminating(until: ContinuousClock.Instant)
            case killing(until: ContinuousClock.Instant)
            case over
        }

        let group: ProcessGroup
        let grace: Duration
        private var phase = Phase.begin

        init(group: ProcessGroup, grace: Duration) {
            self.group = group
            self.grace = grace
        }

        /// Takes the next step; `true` if the caller pauses and asks again,
        /// `false` once nothing is left of the group or the time is up.
        mutating func goesOn() -> Bool {
            let now = ContinuousClock.now
            switch phase {
            case .begin:
                guard group.id > 1, group.send(SIGTERM) else { return false }
                group.send(SIGCONT)
                phase = .terminating(until: now + grace)
                return goesOn()
            case .terminating(let deadline) where now >= deadline:
                group.killAll()
                phase = .killing(until: now + .seconds(2))
                return goesOn()
            case .killing(let deadline) where now >= deadline:
                phase = .over
                return false
            case .terminating, .killing:
                group.reapExitedChildren()
                guard group.isAlive else {
                    phase = .over
                    return false
                }
                return true
            case .over:
                return false
            }
        }
    }

    /// Twenty milliseconds, even in a cancelled task (where `Task.sleep` returns at once).
    private static func pause() async {
        await Task.detached { try? await Task.sleep(for: .milliseconds(20)) }.value
    }
}
