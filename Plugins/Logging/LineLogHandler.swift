import Logging

/// The plugin's own swift-log handler: formats each record as a text or JSON
/// line straight into a ``LogSink``'s buffer.
///
/// Records logged through swift-log are stamped with the time they arrive;
/// hook events are rendered by ``log(_:)`` with the time they happened.
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
        write(
            time: .now(), level: event.level, message: event.message.description,
            metadata: mergedMetadata(event.metadata))
    }

    /// Writes the line for a hook event: the same line swift-log would bring
    /// here with the record's metadata (``EventLogEntry/metadata(of:into:)``),
    /// rendered from the record's fields without building that dictionary.
    /// A handler given metadata of its own takes the swift-log path, which
    /// merges it.
    func log(_ record: EventRecord) {
        guard metadata.isEmpty && metadataProvider == nil else {
            var recordMetadata: Logger.Metadata = [:]
            EventLogEntry.metadata(of: record, into: &recordMetadata)
            return write(
                time: record.time, level: record.level, message: EventLogEntry.message(of: record),
                metadata: mergedMetadata(recordMetadata))
        }
        let message = EventLogEntry.message(of: record)
        sink.write { buffer in
            buffer.appendLine { output, timestamps in
                EventLogEntry.withSortedFields(of: record) { keys, values in
                    LogLineFormatter.append(
                        format: format, time: record.time, level: record.level, label: label, message: message,
                        keys: keys, values: values, timestamps: &timestamps, to: &output)
                }
            }
        }
    }

    /// Writes one line whose metadata comes as a swift-log dictionary.
    private func write(time: LogTimestamp, level: Logger.Level, message: String, metadata: Logger.Metadata) {
        sink.write { buffer in
            buffer.appendLine { output, timestamps in
                LogLineFormatter.append(
                    format: format, time: time, level: level, label: label, message: message,
                    metadata: metadata, timestamps: &timestamps, to: &output)
            }
        }
    }
}
