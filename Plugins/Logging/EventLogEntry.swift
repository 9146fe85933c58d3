import DagronSDK
import Logging

/// What the `logging` plugin logs for one hook event: level, message and
/// structured metadata (`event`, `node`, `status`, `duration`, `error`, ...).
enum EventLogEntry {
    /// Fills `metadata` (emptied first, its storage kept) with the record's
    /// structured fields.
    static func metadata(of record: EventRecord, into metadata: inout Logger.Metadata) {
        metadata.removeAll(keepingCapacity: true)
        metadata["event"] = .string(record.event)
        if let node = record.node { metadata["node"] = .string(node) }
        if let outcome = record.outcome {
            metadata["status"] = .string(outcome.status)
            metadata["duration"] = .string(seconds(outcome.durationSeconds))
            if let exitCode = outcome.exitCode { metadata["exit_code"] = .string(String(exitCode)) }
            if outcome.attempts > 1 { metadata["attempts"] = .string(String(outcome.attempts)) }
            if let reason = outcome.skipReason { metadata["reason"] = .string(reason) }
        }
        if let error = record.error { metadata["error"] = .string(error) }
        if let run = record.runMetadata { metadata.merge(run) { $1 } }
    }

    /// The record's message: what happened, in a few words.
    static func message(of event: HookEvent) -> Logger.Message {
        switch event {
        case .preBuild: "building DAG"
        case .postBuild: "DAG built"
        case .preExecute: "execution started"
        case .postExecute: "execution finished"
        case .preNode: "node started"
        case .postNode: "node completed"
        case .onError: "node failed"
        case .nodeSkipped: "node skipped"
        case .gateWaiting: "gate waiting for approval"
        case .gateResolved: "gate resolved"
        @unknown default: "\(event.rawValue)"
        }
    }

    /// The level an event logs at, computed before anything is copied (so
    /// filtered-out events cost next to nothing).
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
        // At most 19 digits before the point, 6 after; up to 15 bytes fit in
        // a small string, which needs no allocation.
        return String(unsafeUninitializedCapacity: whole < 100_000_000 ? 15 : 26) { buffer in
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
