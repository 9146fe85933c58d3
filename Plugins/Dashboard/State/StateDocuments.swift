/// The JSON documents the dashboard serves: `GET /api/state` returns a
/// ``StateDocument``; the `/api/events` stream sends ``StateDocument``s
/// (`snapshot` events) and ``PatchDocument``s (`patch` events).
///
/// Times are seconds since the Unix epoch; durations are seconds.

/// One node as the page and API clients see it.
struct NodeDocument: Codable, Sendable, Equatable {
    /// The node's name.
    var name: String
    /// Its dependency level: 0 for roots, otherwise one more than its deepest predecessor.
    var level: Int
    /// `gate` for a node held by an approval gate, `task` otherwise.
    var kind: String
    /// `pending`, `running`, `waiting` (at a gate), `completed`, `failed`,
    /// `skipped`, `timed_out` or `cancelled`.
    var status: String
    /// When it started running.
    var startedAt: Double?
    /// When it finished.
    var finishedAt: Double?
    /// How long it ran (for a gate node, including the wait).
    var durationSeconds: Double?
    /// The error of a failed, timed-out or cancelled node.
    var error: String?
    /// Why a skipped node never ran.
    var skipReason: String?
}

/// A dependency edge.
struct EdgeDocument: Codable, Sendable, Equatable {
    var from: String
    var to: String
}

/// One approval gate of the run.
struct GateDocument: Codable, Sendable, Equatable {
    /// The gate's (and its node's) name.
    var name: String
    /// `pending`, `waiting`, `approved`, `rejected` or `timed_out`.
    var status: String
    /// The reason given when it was rejected.
    var reason: String?
    /// The gate's question (the pipeline's `message:`, from the gate node's
    /// `message` metadata); absent when the gate has none.
    var message: String?
}

/// The run as a whole.
struct RunDocument: Codable, Sendable, Equatable {
    /// Increases with each execution the dashboard sees; 0 before the first.
    var id: Int
    /// `idle` (no run yet), `running` or `finished`.
    var phase: String
    var startedAt: Double?
    var finishedAt: Double?
    /// Wall time of the finished run, as the engine measured it.
    var totalSeconds: Double?
    /// Whether the run was cancelled.
    var cancelled: Bool
}

/// A node and its duration, for the summary.
struct TimedNode: Codable, Sendable, Equatable {
    var name: String
    var durationSeconds: Double
}

/// Counts and timings; complete once the run has finished.
struct SummaryDocument: Codable, Sendable, Equatable {
    /// How many nodes are in each status (every status is present, possibly 0).
    var counts: [String: Int]
    /// Number of nodes.
    var total: Int
    /// Wall time of the run (elapsed so far while it runs).
    var elapsedSeconds: Double?
    /// The five longest-running nodes, longest first.
    var slowest: [TimedNode]
    /// The heaviest path through the DAG by node durations.
    var criticalPath: [String]
    /// The sum of the durations along ``criticalPath``.
    var criticalPathSeconds: Double
}

/// One hook event as it was seen, for the page's event log and for clients
/// that want the exact order.
struct EventEntry: Codable, Sendable, Equatable {
    /// The state version this event produced.
    var seq: UInt64
    /// The hook event's raw value (`pre_node`, `gate_waiting`, ...), or
    /// `gate_changed` for a gate whose status changed with no event of its
    /// own (seen in the gate controller when another event arrived, or
    /// after a decision made through the dashboard).
    var event: String
    var node: String?
    /// The node's (or gate's) status after the event.
    var status: String?
    /// The gate's question, on `gate_waiting` events (and on `gate_changed`
    /// events to `waiting`) of gates that have one.
    var message: String?
    var time: Double
}

/// The whole state: `GET /api/state` and the SSE `snapshot` event.
struct StateDocument: Codable, Sendable {
    /// The state version; every change increments it.
    var seq: UInt64
    var serverTime: Double
    var run: RunDocument
    var nodes: [NodeDocument]
    var edges: [EdgeDocument]
    var gates: [GateDocument]
    /// Names of the gates waiting for a decision.
    var waitingGates: [String]
    var summary: SummaryDocument
    /// The most recent events (at most ``RunState/eventLogLimit``).
    var events: [EventEntry]
}

/// The changes since a version the client already has: the SSE `patch` event.
struct PatchDocument: Codable, Sendable {
    /// The version the patch applies to; a client whose version differs must resync.
    var fromSeq: UInt64
    /// The version after the patch.
    var seq: UInt64
    var serverTime: Double
    var run: RunDocument
    /// Nodes that changed, in DAG order.
    var nodes: [NodeDocument]
    /// Every gate (there are few).
    var gates: [GateDocument]
    var waitingGates: [String]
    var summary: SummaryDocument
    /// Events since `fromSeq`, oldest first.
    var events: [EventEntry]
    /// Whether older events of the interval no longer fit the log.
    var eventsTruncated: Bool
}
