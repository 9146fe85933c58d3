/// Text from outside `dagron` (a node's standard error, names and reasons
/// read from files, error messages quoting them) made safe to print on a
/// terminal: control characters are shown escaped instead of being obeyed,
/// so output cannot move the cursor, clear the screen, retitle the window
/// or hide what it says.
///
/// Every C0 control character except newline and tab, DEL and every C1
/// control character becomes a visible escape: `ESC` is `\x1b`, `CR` is
/// `\x0d`, U+009B (CSI) is `\u{9b}`. Everything else is kept as it is.
enum TerminalText {
    /// `text` with its control characters escaped.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                result += scalar.value < 0x80 ? "\\x" + hex(scalar.value) : "\\u{" + hex(scalar.value) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0x00..<0x20, 0x7F, 0x80..<0xA0: true
        default: false
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return digits.count < 2 ? "0" + digits : digits
    }
}
