import DagronSDK
import Logging

/// A swift-log handler that forwards every record to the host's ``HostLog``
/// sink as plain values (the host's own swift-log never reaches this plugin's
/// copy of the library, see PLUGIN-ABI.md section 7).
struct HostLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    var metadataProvider: Logger.MetadataProvider?

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = metadataProvider?.get() { merged.merge(extra) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let record = LogRecord(
            level: LogSeverity(rawValue: event.level.rawValue) ?? .info,
            label: label,
            message: event.message.description,
            metadata: merged.mapValues(\.description),
            source: event.source)
        HostLog.emit(record)
    }
}
