import DagronSDK
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Sends the plugin's swift-log messages (its own copy of swift-log, which
/// the host's bootstrap never reaches) to the host through ``HostLog``, or to
/// standard error when the host installed no sink.
struct HostLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .warning
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var flat: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            flat[key] = "\(value)"
        }
        let record = LogRecord(
            level: LogSeverity(rawValue: event.level.rawValue) ?? .info, label: label,
            message: "\(event.message)", metadata: flat, source: "\(event.file):\(event.line)")
        if !HostLog.emit(record) {
            var line = "dagron: dashboard: \(event.level): \(event.message)\n"
            line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        }
    }
}
