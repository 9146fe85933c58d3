/// Ages as `dagron runs prune --older-than` takes them: a number with a
/// unit, `s`, `m`, `h`, `d` (days) or `w` (weeks), parts added up (`7d`,
/// `12h`, `1d12h`, `2w`, `90m`), or a plain number of seconds.
enum AgeText {
    /// The accepted ages: from 1 second to 100 years (36500 days).
    static let bounds = 1.0...(36_500.0 * 86_400)

    /// What the accepted forms look like, for messages.
    static let expected = "an age from 1s to 36500d such as 7d, 12h, 1d12h or 2w"

    /// The number of seconds `text` stands for, or `nil` if it is not an age within ``bounds``.
    static func seconds(_ text: String) -> Double? {
        let scales: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        if let plain = Double(text), plain.isFinite, bounds.contains(plain),
            text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") })
        {
            return plain
        }
        var total = 0.0
        var number = ""
        var parts = 0
        for character in text {
            if character.isASCII, character.isNumber || character == "." {
                number.append(character)
            } else if let scale = scales[character], let value = Double(number), value.isFinite {
                total += value * scale
                number = ""
                parts += 1
            } else {
                return nil
            }
        }
        guard number.isEmpty, parts > 0, total.isFinite, bounds.contains(total) else { return nil }
        return total
    }
}
