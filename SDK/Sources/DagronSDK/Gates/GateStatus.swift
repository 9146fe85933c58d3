/// The state of an `ApprovalGate`.
public enum GateStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Nobody is waiting on the gate yet.
    case pending
    /// A node is waiting for a decision.
    case waiting
    /// Approved: the node may run.
    case approved
    /// Rejected: the node fails with the reason.
    case rejected
    /// Nobody decided within the gate's timeout.
    case timedOut = "timed_out"

    /// Whether a decision (or a timeout) has been reached.
    public var isResolved: Bool { self == .approved || self == .rejected || self == .timedOut }
}

/// How a wait on an `ApprovalGate` ended.
@frozen
public enum GateOutcome: Sendable, Equatable {
    /// The gate was approved.
    case approved
    /// The gate was rejected, with an optional reason.
    case rejected(reason: String?)
    /// The gate's timeout passed without a decision.
    case timedOut
    /// The waiting task was cancelled.
    case cancelled
}

/// Errors from ``GateController`` and `ApprovalGate` operations.
public enum GateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No gate has this name.
    case unknownGate(String)
    /// The gate was already approved, rejected or timed out.
    case alreadyResolved(String, GateStatus)
    /// The gate node was rejected.
    case rejected(gate: String, reason: String?)
    /// Nobody approved the gate in time.
    case timedOut(gate: String, seconds: Double)

    /// A sentence a user can act on.
    public var description: String {
        switch self {
        case .unknownGate(let name): "no gate named '\(name)'"
        case .alreadyResolved(let name, let status): "gate '\(name)' is already \(status.rawValue)"
        case .rejected(let gate, let reason):
            "gate '\(gate)' was rejected" + (reason.map { ": \($0)" } ?? "")
        case .timedOut(let gate, let seconds):
            "gate '\(gate)' was not approved within \(seconds)s"
        }
    }
}
