@_spi(DagronHost) public import DagronSDK

/// An approval or rejection of a gate, as another process writes it to
/// `gates/<gate>.decision` in the run directory.
public struct GateDecision: Codable, Sendable, Equatable {
    /// Approve or reject.
    public enum Verdict: String, Codable, Sendable {
        /// Let the gate node pass.
        case approve
        /// Fail the gate node.
        case reject
    }

    /// The verdict.
    public var verdict: Verdict
    /// Why (shown in the result and passed to plugins for rejections).
    public var reason: String?
    /// Who decided (the user name of the deciding process).
    public var decidedBy: String?
    /// When, seconds since the Unix epoch.
    public var decidedAt: Double

    /// Creates a decision.
    public init(verdict: Verdict, reason: String? = nil, decidedBy: String? = nil, decidedAt: Double) {
        self.verdict = verdict
        self.reason = reason
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
    }
}

/// `gates/<gate>.status`: a gate's status as the running `dagron run` last wrote it.
public struct GateStatusFile: Codable, Sendable, Equatable {
    /// The status.
    public var status: GateStatus
    /// The gate's message from the pipeline file.
    public var message: String?
    /// The rejection reason, if rejected.
    public var reason: String?

    /// Creates a status record.
    public init(status: GateStatus, message: String? = nil, reason: String? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
    }
}
