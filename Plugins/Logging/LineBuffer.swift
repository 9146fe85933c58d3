#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes a ``LogSink`` has yet to write, and the formatted date and time
/// of the last second a line was stamped with (consecutive lines nearly
/// always share it, so the calendar conversion runs about once a second).
struct LineBuffer: Sendable {
    private(set) var bytes: [UInt8] = []
    private var timestamps = TimestampFormatter()

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Lets `render` append one line.
    mutating func appendLine(_ render: (inout [UInt8], inout TimestampFormatter) -> Void) {
        render(&bytes, &timestamps)
    }

    /// Forgets the bytes (after they were written), keeping the storage.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Formats ``LogTimestamp``s as RFC 3339 UTC with milliseconds
/// (`2026-11-29T10:00:00.123Z`), remembering the last second's prefix.
struct TimestampFormatter: Sendable {
    private var second = Int.min
    private var prefix: [UInt8] = []

    mutating func write(_ time: LogTimestamp, to line: inout LineWriter) {
        if time.seconds != second {
            second = time.seconds
            var seconds = time_t(time.seconds)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            prefix = [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
                var prefix = LineWriter(buffer.baseAddress!, capacity: buffer.count)
                prefix.digits(Int(parts.tm_year) + 1900, width: 4)
                prefix.byte(UInt8(ascii: "-"))
                prefix.digits(Int(parts.tm_mon) + 1, width: 2)
                prefix.byte(UInt8(ascii: "-"))
                prefix.digits(Int(parts.tm_mday), width: 2)
                prefix.byte(UInt8(ascii: "T"))
                prefix.digits(Int(parts.tm_hour), width: 2)
                prefix.byte(UInt8(ascii: ":"))
                prefix.digits(Int(parts.tm_min), width: 2)
                prefix.byte(UInt8(ascii: ":"))
                prefix.digits(Int(parts.tm_sec), width: 2)
                prefix.byte(UInt8(ascii: "."))
                count = prefix.count
            }
        }
        prefix.withUnsafeBufferPointer { line.bytes($0) }
        line.digits(time.nanoseconds / 1_000_000, width: 3)
        line.byte(UInt8(ascii: "Z"))
    }
}
