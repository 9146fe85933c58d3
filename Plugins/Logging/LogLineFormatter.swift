#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Renders one log record as a line of text or JSON.
///
/// Text: `2026-11-29T10:00:00.123Z info dagron.logging: node completed duration=0.250000 node=a status=completed`
///
/// JSON: `{"timestamp":"...","level":"info","label":"dagron.logging","message":"node completed","duration":"0.250000","node":"a","status":"completed"}`,
/// metadata keys sorted and flattened into the object, so a log shipper can
/// index them directly.
enum LogLineFormatter {
    static func line(
        format: LoggingSettings.Format, timestamp: String, level: Logger.Level,
        label: String, message: String, metadata: Logger.Metadata
    ) -> String {
        let keys = metadata.keys.sorted()
        switch format {
        case .text:
            var line = "\(timestamp) \(level.rawValue) \(label): \(message)"
            for key in keys {
                line += " \(key)=\(quotedIfNeeded(metadata[key]!.description))"
            }
            line += "\n"
            return line
        case .json:
            var line = "{\"timestamp\":\"\(timestamp)\",\"level\":\"\(level.rawValue)\",\"label\":"
            appendJSONString(label, to: &line)
            line += ",\"message\":"
            appendJSONString(message, to: &line)
            for key in keys where !["timestamp", "level", "label", "message"].contains(key) {
                line += ","
                appendJSONString(key, to: &line)
                line += ":"
                appendJSONString(metadata[key]!.description, to: &line)
            }
            line += "}\n"
            return line
        }
    }

    /// A text value, in double quotes when it contains spaces, quotes or `=`.
    static func quotedIfNeeded(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) else {
            return value
        }
        var quoted = ""
        appendJSONString(value, to: &quoted)
        return quoted
    }

    /// Appends `value` as a JSON string literal (RFC 8259 escaping).
    static func appendJSONString(_ value: String, to output: inout String) {
        output.append("\"")
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
    }

    /// The current UTC time as RFC 3339 with milliseconds: `2026-11-29T10:00:00.123Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}
