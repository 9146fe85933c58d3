import Foundation

/// Amounts of memory as pipeline files write them (`resources.mem`): a
/// number of mebibytes (`512`), or a number with a binary unit, `K`, `M`,
/// `G`, `T` or `P`, optionally followed by `B` or `iB` (`512M`, `4G`, `1.5TiB`).
public enum MemoryText {
    /// The largest amount accepted, in mebibytes: 1 PiB.
    public static let largestMebibytes = 1 << 30

    /// `from 1M to 1P`, for messages.
    public static let range = "from 1M to 1P"

    /// The number of mebibytes `text` stands for (rounded up), or `nil` if it
    /// is not an amount of memory or lies outside 1 MiB ... 1 PiB.
    public static func mebibytes(_ text: String) -> Int? {
        var trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where trimmed.hasSuffix(suffix) && trimmed.count > suffix.count {
            trimmed.removeLast(suffix.count)
            break
        }
        let scale: Double
        switch trimmed.last {
        case "K": scale = 1.0 / 1024
        case "M": scale = 1
        case "G": scale = 1024
        case "T": scale = 1024 * 1024
        case "P": scale = 1024 * 1024 * 1024
        default: scale = 0
        }
        let digits = scale == 0 ? Substring(trimmed) : trimmed.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isNumber || $0 == "." }), let number = Double(digits),
            number.isFinite
        else { return nil }
        let value = (number * (scale == 0 ? 1 : scale)).rounded(.up)
        guard value >= 1, value <= Double(largestMebibytes) else { return nil }
        return Int(value)
    }
}
