import Foundation

/// Reading what a terminal showed (a ``TmuxTerminal`` capture): the lines
/// glued onto the live status line, the lines that match a pattern, and the
/// output of each command of a script that marks every command's end.
enum PaneText {
    /// A line holding the status line's text (`[3/6] 0.4s`) followed by
    /// anything: what a line glued onto the status line leaves behind (the
    /// status line itself is cleared before every write and at the end).
    static func gluedLines(_ capture: String) -> [String] {
        lines(capture, matching: #"\[\d+/\d+\] \d"#)
    }

    /// The lines of `capture` that match the regular expression `pattern`.
    static func lines(_ capture: String, matching pattern: String) -> [String] {
        capture.components(separatedBy: "\n").filter { $0.range(of: pattern, options: .regularExpression) != nil }
    }

    /// A command's output as the terminal showed it, and its exit status.
    struct CommandOutput {
        /// The lines the command left on the terminal (wrapped lines joined, trailing spaces cut), blank ones dropped.
        let lines: [String]
        /// The command's exit status, as the script's marker line reported it.
        let status: Int

        /// The lines as one text, a newline after each.
        var text: String { lines.map { $0 + "\n" }.joined() }
    }

    /// The shell line that ends command `index` of a script: it prints the
    /// marker that ``outputs(_:)`` splits the capture at, with the command's status.
    static func endMarker(_ index: Int) -> String {
        "echo \"== command \(index) exited $?\""
    }

    /// The output of each command of a script whose commands are each
    /// followed by ``endMarker(_:)``, by the command's index.
    static func outputs(_ capture: String) -> [Int: CommandOutput] {
        var outputs: [Int: CommandOutput] = [:]
        var pending: [String] = []
        for row in capture.components(separatedBy: "\n") {
            let line = String(row.reversed().drop { $0 == " " }.reversed())
            let words = line.split(separator: " ")
            guard words.count == 5, line.hasPrefix("== command "), words[3] == "exited",
                let index = Int(words[2]), let status = Int(words[4])
            else {
                if !line.isEmpty { pending.append(line) }
                continue
            }
            outputs[index] = CommandOutput(lines: pending, status: status)
            pending = []
        }
        return outputs
    }

    /// `text` quoted for `sh`.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
