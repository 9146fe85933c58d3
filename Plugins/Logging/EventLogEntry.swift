import DagronSDK
import Logging

/// What the `logging` plugin logs for one hook event: level, message and
/// structured metadata (`event`, `node`, `status`, `duration`, `error`, ...).
enum EventLogEntry {
    /// Fills `metadata` (emptied first, its storage kept) with the record's
    /// structured fields, for a swift-log handler other than the plugin's own.
    static func metadata(of record: EventRecord, into metadata: inout Logger.Metadata) {
        metadata.removeAll(keepingCapacity: true)
        forEachField(of: record) { key, value in metadata[key] = .string(value) }
        if let run = record.details?.run { metadata.merge(run) { $1 } }
    }

    /// Calls `body` with the record's structured fields as text, sorted by
    /// key, in stack memory: what the plugin's own handler prints, without
    /// the hashing of a metadata dictionary. Run-level metadata wins over a
    /// field of the same name, as in ``metadata(of:into:)``.
    static func withSortedFields(
        of record: EventRecord, _ body: (UnsafeBufferPointer<String>, UnsafeBufferPointer<String>) -> Void
    ) {
        SortedFields.with(
            capacity: 8 + (record.details?.run?.count ?? 0),
            fill: { fields in
                // The record's own fields come in key order: each lands at the end.
                forEachField(of: record) { key, value in fields.insert(key, value) }
                if let run = record.details?.run {
                    for (key, value) in run { fields.insert(key, LogLineFormatter.text(of: value)) }
                }
            }, body)
    }

    /// The record's own fields, in key order.
    private static func forEachField(of record: EventRecord, _ body: (String, String) -> Void) {
        let status = record.statusName
        if status != nil && record.attempts > 1 { body("attempts", String(record.attempts)) }
        if status != nil { body("duration", seconds(record.durationSeconds)) }
        if let error = record.details?.error { body("error", error) }
        body("event", record.eventName)
        if status != nil, let exitCode = record.exitCode { body("exit_code", String(exitCode)) }
        if let node = record.node { body("node", node) }
        if let reason = record.details?.skipReason { body("reason", reason) }
        if let status { body("status", status) }
    }

    /// The record's message: what happened, in a few words.
    static func message(of record: EventRecord) -> String {
        switch record.kind {
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
        case .other: record.eventName
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
