/// The whole numbers a user may give for one setting or key.
///
/// Counts, sizes and ports are read with ``read(_:)``, which accepts only a
/// plain integer inside ``range``: `1e10`, `-1` where counts start at 0,
/// `9223372036854775807` where the limit is lower, `nan` and `1.5` are all
/// refused, so the value is safe to use as it is.
///
/// ```swift
/// let retries = IntegerBounds(0...1000)
/// retries.read("3")      // 3
/// retries.read("1e10")   // nil
/// "expected an integer \(retries)"   // "expected an integer from 0 to 1000"
/// ```
public struct IntegerBounds: Sendable, Equatable, Codable, CustomStringConvertible {
    /// TCP and UDP ports, 0 included (0 asks the system for a free one).
    public static let port = IntegerBounds(0...65_535)

    /// The accepted values.
    public let range: ClosedRange<Int>

    /// Creates bounds accepting `range`.
    public init(_ range: ClosedRange<Int>) {
        self.range = range
    }

    /// `text` (surrounding spaces ignored) as an integer inside ``range``,
    /// or `nil` if it is not a plain integer or lies outside.
    public func read(_ text: some StringProtocol) -> Int? {
        guard let value = Int(text.trimmingSpaces), range.contains(value) else { return nil }
        return value
    }

    /// Whether `value` is accepted.
    public func contains(_ value: Int) -> Bool {
        range.contains(value)
    }

    /// `from 0 to 1000`.
    public var description: String {
        "from \(range.lowerBound) to \(range.upperBound)"
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    var trimmingSpaces: SubSequence {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
