#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How wide the terminal is, and text cut to fit it.
///
/// The width is read each time it is asked for, so a resized window is
/// followed: the terminal's own size (`TIOCGWINSZ`) first, then the
/// `COLUMNS` environment variable, else 80 columns.
public enum TerminalWidth {
    /// The width used when neither the terminal nor `COLUMNS` tells one.
    public static let fallback = 80

    /// The columns of the terminal on `descriptor`, else `COLUMNS`, else ``fallback``.
    public static func columns(of descriptor: Int32, environment: [String: String]) -> Int {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        if let text = environment["COLUMNS"], let columns = Int(text), (1...10_000).contains(columns) {
            return columns
        }
        return fallback
    }

    /// `text` cut to at most `columns` terminal columns (wide characters,
    /// such as CJK ideographs, take two; combining marks none). At least
    /// one column is kept for the cursor, so a line never wraps.
    public static func cut(_ text: String, toFit columns: Int) -> String {
        let limit = max(columns - 1, 1)
        var used = 0
        var result = ""
        for character in text {
            let width = columnsTaken(by: character)
            if used + width > limit { break }
            used += width
            result.append(character)
        }
        return result
    }

    /// The columns a character takes on a terminal: 2 for East Asian wide
    /// and fullwidth characters and emoji, otherwise 1.
    static func columnsTaken(by character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        switch first.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
