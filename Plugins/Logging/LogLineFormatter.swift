import Logging

/// Renders one log record as a line of text or JSON, appending its UTF-8
/// bytes straight into the sink's buffer (no intermediate `String`, so a log
/// line per node stays cheap on large DAGs).
///
/// Text: `2026-11-29T10:00:00.123Z info dagron.logging: node completed duration=0.250000 node=a status=completed`
///
/// JSON: `{"timestamp":"...","level":"info","label":"dagron.logging","message":"node completed","duration":"0.250000","node":"a","status":"completed"}`,
/// metadata keys sorted and flattened into the object, so a log shipper can
/// index them directly.
enum LogLineFormatter {
    /// Appends the line for one record, newline included, to `output`
    /// (`timestamps` formats `time`).
    static func append(
        format: LoggingSettings.Format, time: LogTimestamp, level: Logger.Level, label: String, message: String,
        metadata: Logger.Metadata, timestamps: inout TimestampFormatter, to output: inout [UInt8]
    ) {
        withSortedFields(metadata) { keys, values in
            append(
                format: format, time: time, level: level, label: label, message: message,
                keys: keys, values: values, timestamps: &timestamps, to: &output)
        }
    }

    /// Appends the line for one record whose metadata is given as text,
    /// sorted by key.
    static func append(
        format: LoggingSettings.Format, time: LogTimestamp, level: Logger.Level, label: String, message: String,
        keys: UnsafeBufferPointer<String>, values: UnsafeBufferPointer<String>,
        timestamps: inout TimestampFormatter, to output: inout [UInt8]
    ) {
        // Worst case: every byte of text escaped as \u00XX (6 bytes), plus
        // the fixed parts (timestamp, level, quotes and separators).
        var maximumCount = 128 + 6 * (label.utf8.count + message.utf8.count)
        for index in keys.indices { maximumCount += 8 + 6 * (keys[index].utf8.count + values[index].utf8.count) }
        output.appendWritten(maximumCount: maximumCount) { line in
            switch format {
            case .text:
                timestamps.write(time, to: &line)
                line.byte(UInt8(ascii: " "))
                line.utf8(level.rawValue)
                line.byte(UInt8(ascii: " "))
                line.utf8(label)
                line.bytes(": ")
                line.utf8(message)
                for index in keys.indices {
                    line.byte(UInt8(ascii: " "))
                    line.utf8(keys[index])
                    line.byte(UInt8(ascii: "="))
                    writeQuotedIfNeeded(values[index], to: &line)
                }
            case .json:
                line.bytes("{\"timestamp\":\"")
                timestamps.write(time, to: &line)
                line.bytes("\",\"level\":\"")
                line.utf8(level.rawValue)
                line.bytes("\",\"label\":")
                writeJSONString(label, to: &line)
                line.bytes(",\"message\":")
                writeJSONString(message, to: &line)
                // Metadata named like a fixed field is left out rather than
                // producing a duplicate key.
                for index in keys.indices where !isFixedJSONKey(keys[index]) {
                    line.byte(UInt8(ascii: ","))
                    writeJSONString(keys[index], to: &line)
                    line.byte(UInt8(ascii: ":"))
                    writeJSONString(values[index], to: &line)
                }
                line.byte(UInt8(ascii: "}"))
            }
            line.byte(UInt8(ascii: "\n"))
        }
    }

    /// Calls `body` with the metadata's keys and values as text, sorted by key.
    private static func withSortedFields(
        _ metadata: Logger.Metadata, _ body: (UnsafeBufferPointer<String>, UnsafeBufferPointer<String>) -> Void
    ) {
        SortedFields.with(
            capacity: metadata.count,
            fill: { fields in
                for (key, value) in metadata { fields.insert(key, text(of: value)) }
            }, body)
    }

    /// A metadata value as text (a string value as is, without going
    /// through `description`).
    static func text(of value: Logger.MetadataValue) -> String {
        if case .string(let string) = value { return string }
        return value.description
    }

    private static func isFixedJSONKey(_ key: String) -> Bool {
        key == "timestamp" || key == "level" || key == "label" || key == "message"
    }

    /// A text value as is, or as a JSON string literal when it is empty or
    /// contains spaces, quotes, `=` or line breaks (so `key=value` pairs stay
    /// splittable).
    static func writeQuotedIfNeeded(_ value: String, to line: inout LineWriter) {
        if value.isEmpty || needsQuoting(value) {
            writeJSONString(value, to: &line)
        } else {
            line.utf8(value)
        }
    }

    private static func needsQuoting(_ value: String) -> Bool {
        var value = value
        var sawNonASCII = false
        let special = value.withUTF8 { bytes in
            for byte in bytes {
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\""), UInt8(ascii: "="), 0x0A...0x0D: return true
                case 0x80...: sawNonASCII = true
                default: continue
                }
            }
            return false
        }
        if special { return true }
        // Unicode line breaks (U+0085, U+2028, U+2029) are multi-byte.
        return sawNonASCII && value.contains(where: \.isNewline)
    }

    /// Writes `value` as a JSON string literal (RFC 8259 escaping). Bytes of
    /// multi-byte UTF-8 sequences are all at least 0x80, so escaping works on
    /// bytes; a value with nothing to escape is copied in one go.
    static func writeJSONString(_ value: String, to line: inout LineWriter) {
        line.byte(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var clean = true
            for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                clean = false
                break
            }
            guard !clean else { return line.bytes(bytes) }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): line.bytes("\\\"")
                case UInt8(ascii: "\\"): line.bytes("\\\\")
                case 0x0A: line.bytes("\\n")
                case 0x0D: line.bytes("\\r")
                case 0x09: line.bytes("\\t")
                case ..<0x20:
                    line.bytes("\\u00")
                    line.byte(hexDigit(byte >> 4))
                    line.byte(hexDigit(byte & 0xF))
                default: line.byte(byte)
                }
            }
        }
        line.byte(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
