/// The durations a user may give for one setting or key, in seconds.
///
/// Every duration dagron reads (a pipeline's `timeout`, a plugin's
/// `timeout_seconds`, `dagron gate approve --wait`) is checked against bounds
/// like these where it is read, so no later conversion (to `Duration`, to
/// integer milliseconds) can trap: a duration is finite, at least ``shortest``
/// (1 ms by default: what the clocks and the conversions below it can honour),
/// at most ``longest``, or exactly 0 when ``allowsZero`` (0 then means "none").
///
/// ```swift
/// let timeout = DurationBounds(longest: DurationBounds.year)
/// timeout.contains(1e300)        // false
/// timeout.contains(.nan)         // false
/// "expected a duration \(timeout)"  // "expected a duration from 1ms to 365 days"
/// ```
public struct DurationBounds: Sendable, Equatable, Codable, CustomStringConvertible {
    /// One millisecond: the shortest non-zero duration accepted by default.
    public static let millisecond = 0.001
    /// 365 days, in seconds: the longest timeout a pipeline may give.
    public static let year = 365 * 86_400.0

    /// The shortest non-zero duration accepted, in seconds.
    public let shortest: Double
    /// The longest duration accepted, in seconds.
    public let longest: Double
    /// Whether 0 is accepted too (for delays and waits, where it means "none").
    public let allowsZero: Bool

    /// Creates bounds.
    /// - Parameters:
    ///   - shortest: The shortest non-zero duration, in seconds (1 ms by default).
    ///   - longest: The longest duration, in seconds.
    ///   - allowsZero: Whether 0 is accepted as well.
    public init(shortest: Double = DurationBounds.millisecond, longest: Double, allowsZero: Bool = false) {
        self.shortest = shortest
        self.longest = longest
        self.allowsZero = allowsZero
    }

    /// Whether `seconds` is an accepted duration (never for NaN or an infinity).
    public func contains(_ seconds: Double) -> Bool {
        guard seconds.isFinite else { return false }
        if seconds == 0 { return allowsZero }
        return seconds >= shortest && seconds <= longest
    }

    /// The accepted durations in words: `from 1ms to 365 days`, or
    /// `from 1ms to 1 hour, or 0` when 0 is accepted.
    public var description: String {
        let range = "from \(Self.words(shortest)) to \(Self.words(longest))"
        return allowsZero ? range + ", or 0" : range
    }

    /// `1ms`, `30s`, `5 minutes`, `1 hour`, `365 days`: a bound in words.
    static func words(_ seconds: Double) -> String {
        let units: [(seconds: Double, singular: String)] = [(86_400, "day"), (3_600, "hour"), (60, "minute")]
        for unit in units where seconds >= unit.seconds && seconds.truncatingRemainder(dividingBy: unit.seconds) == 0 {
            let count = seconds / unit.seconds
            return "\(Self.number(count)) \(unit.singular)\(count == 1 ? "" : "s")"
        }
        return seconds < 1 ? "\(Self.number(seconds * 1000))ms" : "\(Self.number(seconds))s"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
