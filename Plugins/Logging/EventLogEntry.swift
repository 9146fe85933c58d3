import DagronSDK
import Logging

/// What the `logging` plugin logs for one hook event: level, message and
/// structured metadata (`event`, `node`, `status`, `duration`, `error`, ...).
struct EventLogEntry {
    var level: Logger.Level
    var message: String
    var metadata: Logger.Metadata

    init(_ context: HookContext) {
        var metadata = Logger.Metadata(minimumCapacity: 8)
        metadata["event"] = .string(context.event.rawValue)
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
        let micros = max(0, Int((value * 1_000_000).rounded()))
        var whole = micros / 1_000_000
        var fraction = micros % 1_000_000
        // At most 19 digits before the point, 6 after.
        return String(unsafeUninitializedCapacity: 26) { buffer in
            var digits = 0
            repeat {
                digits += 1
                whole /= 10
            } while whole > 0
            whole = micros / 1_000_000
            for position in stride(from: digits - 1, through: 0, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(whole % 10)
                whole /= 10
            }
            buffer[digits] = UInt8(ascii: ".")
            for position in stride(from: digits + 6, to: digits, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(fraction % 10)
                fraction /= 10
            }
            return digits + 7
        }
    }
}
