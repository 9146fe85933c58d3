/// The outcome of executing a DAG.
public struct ExecutionResult: Sendable {
    /// Every node's result, keyed by name.
    public var nodeResults: [String: NodeResult]
    /// Wall time of the whole execution, in seconds.
    public var totalDurationSeconds: Double
    /// Whether the execution was cancelled.
    public var wasCancelled: Bool

    /// Creates a result from per-node results.
    public init(nodeResults: [String: NodeResult], totalDurationSeconds: Double, wasCancelled: Bool = false) {
        self.nodeResults = nodeResults
        self.totalDurationSeconds = totalDurationSeconds
        self.wasCancelled = wasCancelled
    }

    /// How many nodes have `status`.
    public func count(_ status: NodeStatus) -> Int {
        nodeResults.values.reduce(0) { $0 + ($1.status == status ? 1 : 0) }
    }

    /// Nodes that completed.
    public var succeeded: Int { count(.completed) }
    /// Nodes that failed (including rejected gates).
    public var failed: Int { count(.failed) }
    /// Nodes that never ran because of a failure upstream or a missing task.
    public var skipped: Int { count(.skipped) }
    /// Nodes that exceeded their timeout.
    public var timedOut: Int { count(.timedOut) }
    /// Nodes stopped or never started because of cancellation.
    public var cancelled: Int { count(.cancelled) }
    /// Whether every node completed.
    public var isSuccess: Bool { nodeResults.values.allSatisfy { $0.status == .completed } }

    /// The result for `name`.
    public subscript(name: String) -> NodeResult? { nodeResults[name] }

    /// Node results sorted by duration, longest first.
    public func slowest(_ limit: Int) -> [NodeResult] {
        Array(nodeResults.values.sorted { $0.durationSeconds > $1.durationSeconds }.prefix(limit))
    }
}
