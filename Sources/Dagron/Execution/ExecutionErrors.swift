@_spi(DagronHost) public import DagronSDK

/// A node's attempt ran longer than its timeout.
///
/// When the task left a report behind as it was stopped (a process's exit
/// code and the tail of its standard error), the error carries it, so the
/// node's `NodeResult` shows what the process was doing.
public struct NodeTimeoutError: Error, ProcessReport, CustomStringConvertible {
    /// The node.
    public let node: String
    /// The timeout, in seconds.
    public let seconds: Double
    /// The exit code of the stopped process, if one ran.
    public let exitCode: Int32?
    /// The last lines of its standard error, if any.
    public let stderrTail: String?
    /// The executor job that was stopped, if the attempt ran through an executor.
    public let job: NodeJobHandle?

    /// Creates the error.
    public init(
        node: String, seconds: Double, exitCode: Int32? = nil, stderrTail: String? = nil, job: NodeJobHandle? = nil
    ) {
        self.node = node
        self.seconds = seconds
        self.exitCode = exitCode
        self.stderrTail = stderrTail
        self.job = job
    }

    /// `node 'x' timed out after 2.0s`.
    public var description: String { "node '\(node)' timed out after \(seconds)s" }
}

/// The node was stopped while it was running or before it started: the
/// execution was cancelled, or (``reason`` says so) fail-fast stopped it
/// after another node failed.
///
/// A task that stops a process on cancellation may throw this with the
/// process's report; the executor then keeps it in the node's result.
public struct NodeCancelledError: Error, ProcessReport, CustomStringConvertible {
    /// The node.
    public let node: String
    /// The exit code of the stopped process, if one ran.
    public let exitCode: Int32?
    /// The last lines of its standard error, if any.
    public let stderrTail: String?
    /// The executor job that was stopped, if the attempt ran through an executor.
    public let job: NodeJobHandle?
    /// Why it was stopped, when not by cancelling the execution (`fail-fast after 'x' failed`).
    public let reason: String?

    /// Creates the error.
    public init(
        node: String, exitCode: Int32? = nil, stderrTail: String? = nil, job: NodeJobHandle? = nil,
        reason: String? = nil
    ) {
        self.node = node
        self.exitCode = exitCode
        self.stderrTail = stderrTail
        self.job = job
        self.reason = reason
    }

    /// `node 'x' was cancelled`, or with a reason
    /// `node 'x' was cancelled: fail-fast after 'y' failed`.
    public var description: String {
        guard let reason else { return "node '\(node)' was cancelled" }
        return "node '\(node)' was cancelled: \(reason)"
    }
}
