import Logging

/// Logs ``EventRecord``s through swift-log on the `dagron-log` thread.
///
/// Only that thread uses an instance (the ``EventLogQueue`` writer calls
/// ``log(_:)`` for one event at a time), which lets it keep one metadata
/// dictionary and refill it for every record instead of allocating one per
/// event: handlers get a copy that they release before `log` returns.
final class EventRecordLogger: @unchecked Sendable {
    // @unchecked: `metadata` is only touched by `log(_:)`, which runs on the
    // writer thread alone.
    private let logger: Logger
    private var metadata = Logger.Metadata(minimumCapacity: 8)

    init(logger: Logger) {
        self.logger = logger
    }

    /// Logs `record` at its level, stamped with the time it happened.
    func log(_ record: EventRecord) {
        EventLogEntry.metadata(of: record, into: &metadata)
        LogTimestamp.withEventTime(record.time) {
            logger.log(level: record.level, record.message, metadata: metadata)
        }
    }
}
