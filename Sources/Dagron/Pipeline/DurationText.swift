import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Durations as pipeline files write them: a number of seconds (`90`, `1.5`)
/// or a number with units (`500ms`, `30s`, `5m`, `2h`, `1m30s`).
public enum DurationText {
    /// The number of seconds `text` stands for, or `nil` if it is not a duration.
    public static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let plain = Double(trimmed) { return plain.isFinite && plain >= 0 ? plain : nil }
        var total = 0.0
        var number = ""
        var unit = ""
        var sawPart = false
        func flush() -> Bool {
            guard let value = Double(number), value >= 0 else { return false }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return false
            }
            total += value * scale
            number = ""
            unit = ""
            sawPart = true
            return true
        }
        for character in trimmed {
            if character.isNumber || character == "." {
                if !unit.isEmpty, !flush() { return nil }
                number.append(character)
            } else if character.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        if !number.isEmpty || !unit.isEmpty {
            guard flush() else { return nil }
        }
        return sawPart ? total : nil
    }

    /// `1.2s`, `3m05s` or `1h02m`: a short human form of `seconds`.
    public static func format(_ seconds: Double) -> String {
        // NaN, infinite or absurd: no Int conversion
        if !(seconds < 60) && !(seconds < 1e12) { return printf("%gs", seconds) }
        if seconds < 60 { return tenths(seconds) ?? printf("%.1fs", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return printf("%dm%02ds", whole / 60, whole % 60) }
        return printf("%dh%02dm", whole / 3600, (whole % 3600) / 60)
    }

    /// `%.1fs` of `seconds` (from +0 to 60) without the C library's
    /// arbitrary-precision conversion (the console prints one a node), or
    /// `nil` for what this cannot decide exactly: a negative or signed zero,
    /// or a value so near a tie between two tenths that the product's
    /// rounding could pick the other one.
    private static func tenths(_ seconds: Double) -> String? {
        guard seconds.sign == .plus, seconds < 60 else { return nil }
        let scaled = seconds * 10
        let fraction = scaled - scaled.rounded(.down)
        guard abs(fraction - 0.5) > 1e-9 else { return nil }
        let tenths = Int(scaled.rounded(.toNearestOrAwayFromZero))
        // At most 5 bytes (`60.0s`): written straight into a small string, no array.
        return String(unsafeUninitializedCapacity: 5) { bytes in
            var count = 0
            func put(_ byte: UInt8) {
                bytes[count] = byte
                count += 1
            }
            if tenths >= 100 { put(UInt8(ascii: "0") + UInt8(tenths / 100)) }
            put(UInt8(ascii: "0") + UInt8(tenths / 10 % 10))
            put(UInt8(ascii: "."))
            put(UInt8(ascii: "0") + UInt8(tenths % 10))
            put(UInt8(ascii: "s"))
            return count
        }
    }

    /// `format` applied to `arguments` by the C library: the same text as
    /// `String(format:)`, which costs ~15 µs a call (the console prints one
    /// per node).
    private static func printf(_ format: StaticString, _ arguments: any CVarArg...) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let count = withVaList(arguments) { list in
                format.withUTF8Buffer { text in
                    text.withMemoryRebound(to: CChar.self) {
                        vsnprintf(buffer.baseAddress, buffer.count, $0.baseAddress, list)
                    }
                }
            }
            let length = min(max(Int(count), 0), buffer.count - 1)
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: length), as: UTF8.self)
        }
    }
}
