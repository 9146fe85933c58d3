import DagronSDK
import Logging

/// One hook event as the logging plugin keeps it until the `dagron-log`
/// thread logs it: the time it happened and the few values its log record
/// shows, copied out of the ``HookContext`` on the thread that fired it.
///
/// Copying plain values instead of keeping the context means the writer
/// thread never touches the DAG, the node's result or the error (no
/// reference counts bouncing between the workers' core and the writer's),
/// and a node event costs no allocation on the worker. The SDK's enums are
/// kept as their names: they are resilient types (the SDK is built for
/// library evolution), and a record holding one would be copied through
/// runtime value witnesses instead of plain moves.
struct EventRecord: Sendable {
    /// A node's result, as far as the log shows it.
    struct NodeOutcome: Sendable {
        /// The ``NodeStatus`` raw value.
        var status: String
        var durationSeconds: Double
        var exitCode: Int32?
        var attempts: Int
        var skipReason: String?
    }

    /// The ``HookEvent`` raw value (`post_node`, ...).
    var event: String
    /// What happened, in a few words (``EventLogEntry/message(of:)``).
    var message: Logger.Message
    var level: Logger.Level
    var time: LogTimestamp
    var node: String?
    var outcome: NodeOutcome?
    /// The error's description, for events that carry one.
    var error: String?
    /// Metadata of the run-level events (node and edge counts, outcome,
    /// totals, a gate's decision), built when the event fires: these are a
    /// handful per run, so the dictionary costs nothing that matters.
    var runMetadata: Logger.Metadata?

    /// Captures `context`, which happened at `time` and logs at `level`.
    init(_ context: HookContext, level: Logger.Level, time: LogTimestamp) {
        event = context.event.rawValue
        message = EventLogEntry.message(of: context.event)
        self.level = level
        self.time = time
        node = context.nodeName
        if let result = context.nodeResult {
            outcome = NodeOutcome(
                status: result.status.rawValue, durationSeconds: result.durationSeconds, exitCode: result.exitCode,
                attempts: result.attempts, skipReason: result.skipReason)
        }
        if let error = context.error ?? context.nodeResult?.error {
            self.error = String(describing: error)
        }
        runMetadata = Self.runMetadata(of: context)
    }

    private static func runMetadata(of context: HookContext) -> Logger.Metadata? {
        switch context.event {
        case .preBuild, .preExecute:
            guard let dag = context.dag else { return nil }
            return ["nodes": .string(String(dag.nodeCount))]
        case .postBuild:
            guard let dag = context.dag else { return nil }
            return ["nodes": .string(String(dag.nodeCount)), "edges": .string(String(dag.edgeCount))]
        case .postExecute:
            guard let result = context.executionResult else { return nil }
            let outcome = result.wasCancelled ? "cancelled" : result.isSuccess ? "success" : "failure"
            return [
                "outcome": .string(outcome),
                "duration": .string(EventLogEntry.seconds(result.totalDurationSeconds)),
                "succeeded": .string(String(result.succeeded)),
                "failed": .string(String(result.failed + result.timedOut)),
                "skipped": .string(String(result.skipped + result.cancelled)),
            ]
        case .gateResolved:
            var metadata: Logger.Metadata = [:]
            if let outcome = context.metadata["outcome"] { metadata["outcome"] = .string(outcome) }
            if let reason = context.metadata["reason"] { metadata["reason"] = .string(reason) }
            return metadata
        default:
            return nil
        }
    }
}
