import Logging

/// The plugin's own swift-log handler: formats each record as a text or JSON
/// line and hands it to a ``LogSink``.
struct LineLogHandler: LogHandler {
    let label: String
    let format: LoggingSettings.Format
    let sink: LogSink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, format: LoggingSettings.Format, sink: LogSink) {
        self.label = label
        self.format = format
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = metadataProvider?.get() { merged.merge(extra) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line = LogLineFormatter.line(
            format: format, timestamp: LogLineFormatter.timestamp(), level: event.level,
            label: label, message: event.message.description, metadata: merged)
        sink.write(line, urgent: event.level >= .error)
    }
}
