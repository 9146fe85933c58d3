/// How a job ended.
public struct NodeJobOutcome: Sendable, Hashable {
    /// How the job ended, in the host's terms.
    public enum Ending: String, Sendable, Hashable {
        /// The command exited with status 0.
        case succeeded
        /// The command exited non-zero or was killed by a signal, or the
        /// executor lost the job (a cluster node failed).
        case failed
        /// The executor's own time limit ended it (Slurm `TIMEOUT`).
        case timedOut = "timed_out"
        /// It was cancelled, by the host or by someone else.
        case cancelled
    }

    /// How the job ended.
    public var ending: Ending
    /// The command's exit code, when it exited.
    public var exitCode: Int32?
    /// The signal that killed it, if one did.
    public var signal: Int32?
    /// The executor's word for the end state (`COMPLETED`, `NODE_FAIL`, ...), if it has one.
    public var state: String?
    /// Start, in seconds since the Unix epoch, when known.
    public var startedAt: Double?
    /// End, in seconds since the Unix epoch, when known.
    public var finishedAt: Double?
    /// A short explanation for a failure that has no exit code, if any.
    public var message: String?

    /// Creates an outcome.
    public init(
        ending: Ending, exitCode: Int32? = nil, signal: Int32? = nil, state: String? = nil,
        startedAt: Double? = nil, finishedAt: Double? = nil, message: String? = nil
    ) {
        self.ending = ending
        self.exitCode = exitCode
        self.signal = signal
        self.state = state
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.message = message
    }
}
