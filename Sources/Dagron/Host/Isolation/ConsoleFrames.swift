@_spi(DagronHost) import DagronSDK

/// The payloads of ``ChildFrame/console`` and ``ChildFrame/log``: what an
/// isolated plugin printed through ``HostConsole`` or logged through
/// ``HostLog``, on its way to the parent `dagron`.
enum ConsoleFrames {
    /// Console text: the stream (0 output, 1 error), then the text.
    static func encode(_ text: String, stream: HostConsole.Stream, into writer: inout WireWriter) {
        writer.byte(stream == .error ? 1 : 0)
        writer.string(text)
    }

    /// Reads what ``encode(_:stream:into:)`` wrote.
    static func decodeText(_ reader: inout WireReader) throws(WireError) -> (String, HostConsole.Stream) {
        let stream: HostConsole.Stream = try reader.byte() == 1 ? .error : .output
        return (try reader.string(), stream)
    }

    /// A log record: level, label, message, metadata pairs, source, the plugin's own level.
    static func encode(_ record: LogRecord, into writer: inout WireWriter) {
        writer.string(record.level.rawValue)
        writer.string(record.label)
        writer.string(record.message)
        writer.count(record.metadata.count)
        for (key, value) in record.metadata.sorted(by: { $0.key < $1.key }) {
            writer.string(key)
            writer.string(value)
        }
        writer.optional(record.source) { $0.string($1) }
        writer.optional(record.minimumLevel) { $0.string($1.rawValue) }
    }

    /// Reads what ``encode(_:into:)`` wrote; an unknown level name is malformed.
    static func decodeRecord(_ reader: inout WireReader) throws(WireError) -> LogRecord {
        func severity(_ name: String) throws(WireError) -> LogSeverity {
            guard let level = LogSeverity(rawValue: name) else { throw WireError.malformed("log level \(name)") }
            return level
        }
        let level = try severity(try reader.string())
        let label = try reader.string()
        let message = try reader.string()
        let count = try reader.count(limit: 100_000)
        var metadata: [String: String] = [:]
        for _ in 0..<count {
            let key = try reader.string()
            metadata[key] = try reader.string()
        }
        let source = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.string() }
        let minimum = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.string() }
        return LogRecord(
            level: level, label: label, message: message, metadata: metadata, source: source,
            minimumLevel: try minimum.map { (name: String) throws(WireError) in try severity(name) })
    }
}
