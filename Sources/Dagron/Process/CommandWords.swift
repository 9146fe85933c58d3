/// Decides whether a node's command can run without `/bin/sh`, as `make`
/// does: a command made only of plain words (letters, digits and
/// `_ - . / , : + @ % =`, separated by spaces or tabs) means the same to
/// the shell as its words given to `exec`, so it is run directly, saving a
/// shell's start per node.
///
/// The check is conservative: anything else goes through `/bin/sh -c` as
/// written, for example quotes, `$`, globs (`*?[`), `~`, redirections and
/// pipes, `;&|<>()`, backslashes, `#`, `!`, braces, newlines, non-ASCII
/// characters, an assignment (`=` in the first word), or a first word that
/// is a shell keyword or a builtin that differs from (or has no) program of
/// the same name (`cd`, `exit`, `export`, `echo`, `exec`, ...).
///
/// ```swift
/// CommandWords.split("python3 train.py --epochs 3")  // ["python3", "train.py", "--epochs", "3"]
/// CommandWords.split("make > build.log")            // nil: a redirection
/// ```
public enum CommandWords {
    /// The command's words, or `nil` when it needs the shell (or is blank).
    public static func split(_ command: String) -> [String]? {
        // One pass over the command's bytes, each word made straight from
        // its slice (no buffer of its own): every local node's command goes
        // through here before its spawn.
        var command = command
        return command.withUTF8 { bytes -> [String]? in
            var words: [String] = []
            var start: Int?
            for index in bytes.indices {
                let byte = bytes[index]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    if let first = start {
                        words.append(
                            String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<index]), as: UTF8.self))
                        start = nil
                    }
                    continue
                }
                guard isPlain(byte) else { return nil }
                if byte == UInt8(ascii: "="), words.isEmpty { return nil }
                if start == nil { start = index }
            }
            if let first = start {
                words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[first...]), as: UTF8.self))
            }
            guard let first = words.first, !shellWords.contains(first) else { return nil }
            return words
        }
    }

    /// Whether `byte` means only itself to the shell inside a word.
    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ","),
            UInt8(ascii: ":"), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "%"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }

    /// First words that go through the shell: its keywords, its special
    /// builtins, and the builtins whose behaviour a program of the same name
    /// does not match (or that have no such program).
    static let shellWords: Set<String> = [
        // Keywords (POSIX, and bash's, as /bin/sh may be bash).
        "if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do", "done", "in",
        "function", "select", "time", "coproc",
        // Special builtins.
        ":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times",
        "trap", "unset",
        // Builtins that change the shell, or differ from the program of the same name.
        "alias", "unalias", "bg", "fg", "jobs", "cd", "command", "getopts", "hash", "read", "type", "ulimit",
        "umask", "wait", "local", "declare", "typeset", "let", "source", "builtin", "enable", "shopt",
        "history", "fc", "newgrp", "login", "logout", "suspend", "disown", "dirs", "pushd", "popd", "mapfile",
        "readarray", "compgen", "complete", "echo", "printf", "test", "kill", "pwd",
    ]
}
