/// Where a node stands in an execution.
public enum NodeStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Not started yet.
    case pending
    /// Running (or, for a gate node, waiting for approval).
    case running
    /// Finished successfully.
    case completed
    /// Threw, exited non-zero, or was rejected at its gate.
    case failed
    /// Never ran: an ancestor did not complete, or its task is missing.
    case skipped
    /// Exceeded its timeout (or its gate's).
    case timedOut = "timed_out"
    /// Stopped or never started because the execution was cancelled.
    case cancelled

    /// Whether the node reached a final state.
    public var isFinished: Bool { self != .pending && self != .running }
}
