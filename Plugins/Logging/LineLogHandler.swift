import Logging

/// The plugin's own swift-log handler: formats each record as a text or JSON
/// line straight into a ``LogSink``'s buffer, stamped with the time of the
/// hook event it describes (``LogTimestamp/ofEvent``) or, for records logged
/// outside the writer thread, the current time.
struct LineLogHandler: PluginLogHandler {
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

    func log(event: LogEvent) {
        let metadata = mergedMetadata(event.metadata)
        let message = event.message.description
        let time = LogTimestamp.ofEvent ?? .now()
        sink.write { buffer in
            buffer.appendLine { output, timestamps in
                LogLineFormatter.append(
                    format: format, time: time, level: event.level, label: label, message: message,
                    metadata: metadata, timestamps: &timestamps, to: &output)
            }
        }
    }
}
