import DagronSDK
import Logging

/// One hook event as the logging plugin keeps it until the `dagron-log`
/// thread logs it: the time it happened and the values its log record shows,
/// copied out of the ``HookContext`` on the thread that fired it.
///
/// Kept to one cache line (64 bytes) of plain values for a node event: the
/// event and status are small codes of the plugin's own (the SDK's enums
/// are resilient, so a record holding one would be copied through runtime
/// value witnesses), a node name of up to 15 bytes is stored inline, and
/// what only some events have (an error, a skip reason, run totals) sits
/// behind one reference that node events leave `nil`. Appending a record
/// to the queue then writes one cache line and retains nothing, and the
/// writer thread never touches the DAG, the node's result or the error.
struct EventRecord: Sendable {
    /// The hook event, as a code (``EventRecord/Details/eventName`` holds
    /// the name of an event this plugin does not know).
    enum Kind: UInt8, Sendable {
        case preBuild, postBuild, preExecute, postExecute, preNode, postNode, onError
        case nodeSkipped, gateWaiting, gateResolved, other
    }

    /// A node's final status, as a code (``EventRecord/Details/statusName``
    /// holds a status this plugin does not know). `none`: the event carries
    /// no node result.
    enum Status: UInt8, Sendable {
        case none, pending, running, completed, failed, skipped, timedOut, cancelled, other
    }

    /// What only some events carry.
    final class Details: Sendable {
        /// The ``HookEvent`` raw value, when ``EventRecord/kind`` is `other`.
        let eventName: String?
        /// The ``NodeStatus`` raw value, when ``EventRecord/status`` is `other`.
        let statusName: String?
        let skipReason: String?
        /// The error's description.
        let error: String?
        /// Metadata of the run-level events (node and edge counts, outcome,
        /// totals, a gate's decision).
        let run: Logger.Metadata?

        init(eventName: String?, statusName: String?, skipReason: String?, error: String?, run: Logger.Metadata?) {
            self.eventName = eventName
            self.statusName = statusName
            self.skipReason = skipReason
            self.error = error
            self.run = run
        }
    }

    var time: LogTimestamp
    var durationSeconds: Double
    var node: String?
    var details: Details?
    var attempts: Int32
    var exitCode: Int32?
    var kind: Kind
    var status: Status
    var level: Logger.Level

    /// Captures `context`, which happened at `time` and logs at `level`.
    init(_ context: HookContext, level: Logger.Level, time: LogTimestamp) {
        let event = context.event
        kind = Kind(event)
        self.level = level
        self.time = time
        node = context.nodeName
        var statusName: String?
        var skipReason: String?
        if let result = context.nodeResult {
            status = Status(result.status)
            if status == .other { statusName = result.status.rawValue }
            durationSeconds = result.durationSeconds
            exitCode = result.exitCode
            attempts = Int32(clamping: result.attempts)
            skipReason = result.skipReason
        } else {
            status = .none
            durationSeconds = 0
            exitCode = nil
            attempts = 0
        }
        let error = (context.error ?? context.nodeResult?.error).map { String(describing: $0) }
        let run = Self.runMetadata(of: context, kind: kind)
        let eventName = kind == .other ? event.rawValue : nil
        if eventName != nil || statusName != nil || skipReason != nil || error != nil || run != nil {
            details = Details(
                eventName: eventName, statusName: statusName, skipReason: skipReason, error: error, run: run)
        }
    }

    /// The ``HookEvent`` raw value (`post_node`, ...).
    var eventName: String {
        switch kind {
        case .preBuild: "pre_build"
        case .postBuild: "post_build"
        case .preExecute: "pre_execute"
        case .postExecute: "post_execute"
        case .preNode: "pre_node"
        case .postNode: "post_node"
        case .onError: "on_error"
        case .nodeSkipped: "node_skipped"
        case .gateWaiting: "gate_waiting"
        case .gateResolved: "gate_resolved"
        case .other: details?.eventName ?? "unknown"
        }
    }

    /// The ``NodeStatus`` raw value, or `nil` when the event has no node result.
    var statusName: String? {
        switch status {
        case .none: nil
        case .pending: "pending"
        case .running: "running"
        case .completed: "completed"
        case .failed: "failed"
        case .skipped: "skipped"
        case .timedOut: "timed_out"
        case .cancelled: "cancelled"
        case .other: details?.statusName ?? "unknown"
        }
    }

    private static func runMetadata(of context: HookContext, kind: Kind) -> Logger.Metadata? {
        switch kind {
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

extension EventRecord.Kind {
    init(_ event: HookEvent) {
        self =
            switch event {
            case .preBuild: .preBuild
            case .postBuild: .postBuild
            case .preExecute: .preExecute
            case .postExecute: .postExecute
            case .preNode: .preNode
            case .postNode: .postNode
            case .onError: .onError
            case .nodeSkipped: .nodeSkipped
            case .gateWaiting: .gateWaiting
            case .gateResolved: .gateResolved
            @unknown default: .other
            }
    }
}

extension EventRecord.Status {
    init(_ status: NodeStatus) {
        self =
            switch status {
            case .pending: .pending
            case .running: .running
            case .completed: .completed
            case .failed: .failed
            case .skipped: .skipped
            case .timedOut: .timedOut
            case .cancelled: .cancelled
            @unknown default: .other
            }
    }
}
