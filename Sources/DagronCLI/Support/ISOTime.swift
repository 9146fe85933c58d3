import Foundation

/// The one form every `--json` document of `dagron` gives a time in: ISO 8601
/// in UTC with milliseconds, `2026-12-03T14:05:09.123Z`.
enum ISOTime {
    /// `seconds` since the Unix epoch as ISO 8601 text, or `nil` for a
    /// value that is not a time (NaN, infinite, or beyond year 9999).
    static func text(_ seconds: Double) -> String? {
        guard seconds.isFinite, abs(seconds) < 253_402_300_800 else { return nil }
        return text(Date(timeIntervalSince1970: seconds))
    }

    /// `date` as ISO 8601 text.
    static func text(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
