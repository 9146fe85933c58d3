/// Reads a duration setting such as `15`, `15s`, `1.5s`, `1500ms`, `2m` or
/// `1h` (a bare number is seconds), exactly: no sign, no exponent, no `nan`
/// or `inf`, and no arithmetic that can overflow or trap.
enum DurationText {
    /// The duration in whole milliseconds (a fraction of a millisecond is
    /// dropped), or `nil` when `text` is not such a duration or does not fit
    /// in an `Int64` of milliseconds.
    static func milliseconds(_ text: String) -> Int64? {
        let trimmed = Substring(text.trimmingWhitespace)
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = trimmed.dropFirst(number.count)
        let scale: Int64
        switch unit {
        case "", "s": scale = 1_000
        case "ms": scale = 1
        case "m": scale = 60_000
        case "h": scale = 3_600_000
        default: return nil
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || !fraction.isEmpty else { return nil }  // "5." is not a number
        // 15 digits of whole units is past any range a setting accepts, and
        // keeps every product below Int64.max.
        guard whole.count <= 15, let wholeValue = Int64(whole) else { return nil }
        var total = wholeValue.multipliedReportingOverflow(by: scale)
        guard !total.overflow else { return nil }
        // The fraction, to millisecond resolution: at most 7 digits matter (hours).
        var fractionValue: Int64 = 0
        var divisor: Int64 = 1
        for digit in fraction.prefix(7) {
            guard let value = digit.wholeNumberValue else { return nil }
            fractionValue = fractionValue * 10 + Int64(value)
            divisor *= 10
        }
        guard fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        total = total.partialValue.addingReportingOverflow(fractionValue * scale / divisor)
        return total.overflow ? nil : total.partialValue
    }
}
