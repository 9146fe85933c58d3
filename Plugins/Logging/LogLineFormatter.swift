#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
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
        let fields = metadata.sorted { $0.key < $1.key }
        switch format {
        case .text:
            timestamps.append(time, to: &output)
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: level.rawValue.utf8)
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: label.utf8)
            output.append(contentsOf: ": ".utf8)
            output.append(contentsOf: message.utf8)
            for (key, value) in fields {
                output.append(UInt8(ascii: " "))
                output.append(contentsOf: key.utf8)
                output.append(UInt8(ascii: "="))
                appendQuotedIfNeeded(value.description, to: &output)
            }
        case .json:
            output.append(contentsOf: "{\"timestamp\":\"".utf8)
            timestamps.append(time, to: &output)
            output.append(contentsOf: "\",\"level\":\"".utf8)
            output.append(contentsOf: level.rawValue.utf8)
            output.append(contentsOf: "\",\"label\":".utf8)
            appendJSONString(label, to: &output)
            output.append(contentsOf: ",\"message\":".utf8)
            appendJSONString(message, to: &output)
            // Metadata named like a fixed field is left out rather than
            // producing a duplicate key.
            for (key, value) in fields where !isFixedJSONKey(key) {
                output.append(UInt8(ascii: ","))
                appendJSONString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                appendJSONString(value.description, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
        output.append(UInt8(ascii: "\n"))
    }

    private static func isFixedJSONKey(_ key: String) -> Bool {
        key == "timestamp" || key == "level" || key == "label" || key == "message"
    }

    /// A text value as is, or as a JSON string literal when it is empty or
    /// contains spaces, quotes, `=` or line breaks (so `key=value` pairs stay
    /// splittable).
    static func appendQuotedIfNeeded(_ value: String, to output: inout [UInt8]) {
        if value.isEmpty || needsQuoting(value) {
            appendJSONString(value, to: &output)
        } else {
            output.append(contentsOf: value.utf8)
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

    /// Appends `value` as a JSON string literal (RFC 8259 escaping). Bytes of
    /// multi-byte UTF-8 sequences are all at least 0x80, so escaping works on
    /// bytes; a value with nothing to escape is copied in one go.
    static func appendJSONString(_ value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var value = value
        let copied = value.withUTF8 { bytes in
            for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            output.append(contentsOf: bytes)
            return true
        }
        if !copied {
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): output.append(contentsOf: "\\\\".utf8)
                case 0x0A: output.append(contentsOf: "\\n".utf8)
                case 0x0D: output.append(contentsOf: "\\r".utf8)
                case 0x09: output.append(contentsOf: "\\t".utf8)
                case ..<0x20:
                    output.append(contentsOf: "\\u00".utf8)
                    output.append(hexDigit(byte >> 4))
                    output.append(hexDigit(byte & 0xF))
                default: output.append(byte)
                }
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Appends a non-negative `value` in decimal, zero-padded to `width` digits.
    static func appendDigits(_ value: Int, width: Int, to output: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var remaining = value
        while divisor * 10 <= remaining { divisor *= 10 }
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }
}
