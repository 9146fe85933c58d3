import DagronSDK
import Logging

/// A swift-log handler that forwards every record to the host's ``HostLog``
/// sink as plain values (the host's own swift-log never reaches this plugin's
/// copy of the library). Each record carries the plugin's `level` as its
/// ``LogRecord/minimumLevel``, so the host shows what the plugin's setting
/// lets through instead of capping it at the host's own level.
struct HostLogHandler: PluginLogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    var metadataProvider: Logger.MetadataProvider?

    init(label: String) {
        self.label = label
    }

    func log(event: LogEvent) {
        let record = LogRecord(
            level: LogSeverity(rawValue: event.level.rawValue) ?? .info,
            label: label,
            message: event.message.description,
            metadata: mergedMetadata(event.metadata).mapValues { $0.description },
            source: event.source,
            minimumLevel: LogSeverity(rawValue: logLevel.rawValue))
        HostLog.emit(record)
    }
}
