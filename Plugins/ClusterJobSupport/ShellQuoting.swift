import Foundation

/// Quoting for `/bin/sh` and the reverse: splitting a command line into words.
public enum ShellQuoting {
    /// `value` as one `/bin/sh` word: single-quoted, with each `'` written as `'\''`.
    ///
    /// ```swift
    /// ShellQuoting.quote("it's")   // 'it'\''s'
    /// ```
    public static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Why a command line could not be split.
    public struct SplitError: Error, Equatable, CustomStringConvertible {
        /// What is wrong, in words.
        public let description: String
    }

    /// The words of `line` as `/bin/sh` would split them: blanks separate
    /// words; single quotes keep everything literally; double quotes keep
    /// everything but `\"`, `\\`, `\$` and `` \` ``; a backslash outside quotes
    /// keeps the next character. No expansion of any kind happens.
    /// - Throws: ``SplitError`` for an unterminated quote or a trailing backslash.
    public static func split(_ line: String) throws(SplitError) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t", "\n", "\r":
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "'":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "'" {
                        closed = true
                        break
                    }
                    word.append(next)
                }
                guard closed else { throw SplitError(description: "a single quote is not closed") }
            case "\"":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "\"" {
                        closed = true
                        break
                    }
                    if next == "\\" {
                        guard let escaped = iterator.next() else { break }
                        if !"\"\\$`".contains(escaped) { word.append("\\") }
                        word.append(escaped)
                    } else {
                        word.append(next)
                    }
                }
                guard closed else { throw SplitError(description: "a double quote is not closed") }
            case "\\":
                guard let escaped = iterator.next() else {
                    throw SplitError(description: "the line ends with a backslash")
                }
                inWord = true
                if escaped != "\n" { word.append(escaped) }
            default:
                inWord = true
                word.append(character)
            }
        }
        if inWord { words.append(word) }
        return words
    }
}
