/// What happened to one node.
///
/// Hooks receive it in ``HookContext/nodeResult``; the whole set is in
/// ``ExecutionResult/nodeResults``. It is an immutable object: sharing it
/// between hooks, threads and results costs a reference, not a copy.
public final class NodeResult: Sendable {
    /// The node's name.
    public let name: String
    /// The final (or current) status.
    public let status: NodeStatus
    /// Time spent running, in seconds (monotonic clock). Zero for a node that
    /// never ran. For a gate node it includes the wait for approval.
    public let durationSeconds: Double
    /// Wall-clock start, seconds since the Unix epoch; `nil` if it never ran.
    public let startedAt: Double?
    /// Wall-clock end, seconds since the Unix epoch; `nil` if it never ran.
    public let finishedAt: Double?
    /// The error for a failed, timed-out or cancelled node.
    public let error: (any Error)?
    /// What the node's task returned, if it returned anything.
    public let output: (any Sendable)?
    /// For nodes that run a process: its exit code.
    public let exitCode: Int32?
    /// How many times the task was attempted (1 without retries, 0 if it never ran).
    public let attempts: Int
    /// For a failed process: the last lines of its standard error.
    public let stderrTail: String?
    /// Why a node was skipped, in words (for example `upstream 'extract' failed`).
    public let skipReason: String?
    /// For a node that ran through an executor: its last job (which
    /// executor, the job's id). `nil` for nodes that ran no job.
    public let job: NodeJobHandle?

    /// Creates a result.
    public convenience init(
        name: String,
        status: NodeStatus,
        durationSeconds: Double = 0,
        startedAt: Double? = nil,
        finishedAt: Double? = nil,
        error: (any Error)? = nil,
        output: (any Sendable)? = nil,
        exitCode: Int32? = nil,
        attempts: Int = 0,
        stderrTail: String? = nil,
        skipReason: String? = nil
    ) {
        self.init(
            name: name, status: status, durationSeconds: durationSeconds, startedAt: startedAt,
            finishedAt: finishedAt, error: error, output: output, exitCode: exitCode, attempts: attempts,
            stderrTail: stderrTail, skipReason: skipReason, job: nil)
    }

    /// Creates the result of a node that ran through an executor as `job`.
    public init(
        name: String,
        status: NodeStatus,
        durationSeconds: Double = 0,
        startedAt: Double? = nil,
        finishedAt: Double? = nil,
        error: (any Error)? = nil,
        output: (any Sendable)? = nil,
        exitCode: Int32? = nil,
        attempts: Int = 0,
        stderrTail: String? = nil,
        skipReason: String? = nil,
        job: NodeJobHandle?
    ) {
        self.name = name
        self.status = status
        self.durationSeconds = durationSeconds
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.output = output
        self.exitCode = exitCode
        self.attempts = attempts
        self.stderrTail = stderrTail
        self.skipReason = skipReason
        self.job = job
    }

    /// The error as one line of text, if there is one.
    public var errorMessage: String? {
        error.map { String(describing: $0) }
    }
}
