import Dagron

/// A quarantine entry in a `--json` document (`plugins list`, `plugins
/// info`): the latest fault, how many and since when, times in ISO 8601.
struct QuarantineJSON: Encodable, Sendable {
    /// The fault's kind: `crashed`, `exited`, `stalled`, `queue_full`, `host_failed`.
    let kind: String
    @Nullable var signal: Int32? = nil
    @Nullable var exitCode: Int32? = nil
    let phase: String
    @Nullable var event: String? = nil
    @Nullable var node: String? = nil
    @Nullable var detail: String? = nil
    /// When the latest fault was noticed.
    @Nullable var at: String? = nil
    /// How many faults were recorded.
    let count: Int
    /// When the first of them was.
    @Nullable var firstAt: String? = nil
    /// The line `plugins list` shows under the plugin.
    let reason: String

    init(_ entry: QuarantineEntry) {
        kind = entry.fault.kind.rawValue
        signal = entry.fault.signal
        exitCode = entry.fault.exitCode
        phase = entry.fault.phase
        event = entry.fault.event
        node = entry.fault.node
        detail = entry.fault.detail
        at = ISOTime.text(entry.fault.at)
        count = entry.count
        firstAt = ISOTime.text(entry.firstAt)
        reason = entry.description
    }
}
