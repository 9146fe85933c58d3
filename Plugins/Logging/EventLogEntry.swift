import DagronSDK
import Logging

/// What the `logging` plugin logs for one hook event: level, message and
/// structured metadata (`event`, `node`, `status`, `duration`, `error`, ...).
struct EventLogEntry {
    var level: Logger.Level
    var message: String
    var metadata: Logger.Metadata

    init(_ context: HookContext) {
        var metadata: Logger.Metadata = ["event": .string(context.event.rawValue)]
        if let node = context.nodeName { metadata["node"] = .string(node) }
        if let result = context.nodeResult {
            metadata["status"] = .string(result.status.rawValue)
            metadata["duration"] = .string(Self.seconds(result.durationSeconds))
            if let exitCode = result.exitCode { metadata["exit_code"] = .string(String(exitCode)) }
            if result.attempts > 1 { metadata["attempts"] = .string(String(result.attempts)) }
            if let reason = result.skipReason { metadata["reason"] = .string(reason) }
        }
        if let error = context.error ?? context.nodeResult?.error {
            metadata["error"] = .string(String(describing: error))
        }
        switch context.event {
        case .preBuild:
            message = "building DAG"
            if let dag = context.dag { metadata["nodes"] = .string(String(dag.nodeCount)) }
        case .postBuild:
            message = "DAG built"
            if let dag = context.dag {
                metadata["nodes"] = .string(String(dag.nodeCount))
                metadata["edges"] = .string(String(dag.edgeCount))
            }
        case .preExecute:
            message = "execution started"
            if let dag = context.dag { metadata["nodes"] = .string(String(dag.nodeCount)) }
        case .postExecute:
            let result = context.executionResult
            let success = result?.isSuccess ?? false
            message = "execution finished"
            if let result {
                metadata["outcome"] = .string(result.wasCancelled ? "cancelled" : success ? "success" : "failure")
                metadata["duration"] = .string(Self.seconds(result.totalDurationSeconds))
                metadata["succeeded"] = .string(String(result.succeeded))
                metadata["failed"] = .string(String(result.failed + result.timedOut))
                metadata["skipped"] = .string(String(result.skipped + result.cancelled))
            }
        case .preNode:
            message = "node started"
        case .postNode:
            message = "node completed"
        case .onError:
            message = "node failed"
        case .nodeSkipped:
            message = "node skipped"
        case .gateWaiting:
            message = "gate waiting for approval"
        case .gateResolved:
            message = "gate resolved"
            if let outcome = context.metadata["outcome"] { metadata["outcome"] = .string(outcome) }
            if let reason = context.metadata["reason"] { metadata["reason"] = .string(reason) }
        @unknown default:
            message = context.event.rawValue
        }
        self.metadata = metadata
        self.level = Self.level(of: context)
    }

    /// The level ``init(_:)`` gives `context`, computed without building the
    /// message or metadata (so filtered-out events cost next to nothing).
    static func level(of context: HookContext) -> Logger.Level {
        switch context.event {
        case .onError: .error
        case .nodeSkipped: .warning
        case .gateWaiting: .notice
        case .postExecute: context.executionResult?.isSuccess == true ? .info : .error
        default: .info
        }
    }

    /// Seconds with microsecond precision, e.g. `0.250013`.
    static func seconds(_ value: Double) -> String {
        let micros = Int((value * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
