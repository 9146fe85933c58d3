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
}
