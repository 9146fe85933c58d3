import Logging

/// Logs ``EventRecord``s on the `dagron-log` thread: through the plugin's
/// own line handler, which renders a record's fields directly, or through
/// swift-log to another handler (the host's).
///
/// Only that thread uses an instance (the ``EventLogQueue`` writer calls
/// ``log(_:)`` for one event at a time), which lets the swift-log path keep
/// one metadata dictionary and refill it for every record instead of
/// allocating one per event: handlers get a copy that they release before
/// `log` returns.
final class EventRecordLogger: @unchecked Sendable {
    // @unchecked: `metadata` is only touched by `log(_:)`, which runs on the
    // writer thread alone.
    private enum Destination {
        case lines(LineLogHandler)
        case logger(Logger)
    }

    private let destination: Destination
    private var metadata = Logger.Metadata(minimumCapacity: 8)

    /// Logs through the plugin's own handler.
    init(lines handler: LineLogHandler) {
        destination = .lines(handler)
    }

    /// Logs through `logger`'s handler.
    init(logger: Logger) {
        destination = .logger(logger)
    }

    /// Logs `record` at its level, stamped with the time it happened (the
    /// plugin's handler prints that time; another handler stamps its own).
    func log(_ record: EventRecord) {
        switch destination {
        case .lines(let handler):
            handler.log(record)
        case .logger(let logger):
            EventLogEntry.metadata(of: record, into: &metadata)
            logger.log(level: record.level, "\(EventLogEntry.message(of: record))", metadata: metadata)
        }
    }
}
