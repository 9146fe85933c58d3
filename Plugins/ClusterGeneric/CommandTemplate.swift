import ClusterJobSupport

/// A command line with `{placeholder}`s, as the `cluster-generic` settings
/// give them (`sbatch --job-name={job_name} {script}`).
///
/// `{{` and `}}` stand for literal braces (`awk '{{print $1}}'`). Each
/// placeholder becomes its value shell-quoted (`'a b'`); a list value
/// (`{job_ids}`) becomes one quoted word per item. The expanded line is run
/// with `/bin/sh -c`.
struct CommandTemplate: Sendable, Equatable {
    /// A piece of the template.
    enum Part: Sendable, Equatable {
        case text(String)
        case placeholder(String)
    }

    /// The template as written.
    let source: String
    let parts: [Part]

    /// The placeholders a submission knows.
    static let jobPlaceholders: Set<String> = [
        "script", "job_name", "node", "attempt", "stdout", "stderr", "cwd", "cpus", "mem_mb", "time_minutes", "gpus",
        "run_dir",
    ]
    /// The placeholders `status` and `cancel` know.
    static let queryPlaceholders: Set<String> = ["job_ids", "job_name", "run_dir"]

    /// Parses `source`, accepting only placeholders in `allowed`.
    /// - Throws: ``TemplateError`` for an unknown placeholder or an unclosed
    ///   `{` (the settings reader names the key).
    init(_ source: String, allowed: Set<String>) throws(TemplateError) {
        self.source = source
        var parts: [Part] = []
        var text = ""
        var index = source.startIndex
        while index < source.endIndex {
            let character = source[index]
            let next = source.index(after: index)
            if character == "{" {
                if next < source.endIndex, source[next] == "{" {
                    text.append("{")
                    index = source.index(after: next)
                    continue
                }
                guard let close = source[next...].firstIndex(of: "}") else {
                    throw TemplateError("a '{' is not closed (write {{ for a literal brace)")
                }
                let name = String(source[next..<close])
                guard allowed.contains(name) else {
                    let known = allowed.sorted().map { "{\($0)}" }.joined(separator: ", ")
                    throw TemplateError(
                        "unknown placeholder '{\(name)}' (known: \(known); write {{ and }} for literal braces)")
                }
                if !text.isEmpty { parts.append(.text(text)) }
                text = ""
                parts.append(.placeholder(name))
                index = source.index(after: close)
            } else if character == "}" {
                text.append("}")
                index = next < source.endIndex && source[next] == "}" ? source.index(after: next) : next
            } else {
                text.append(character)
                index = next
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
    }

    /// Whether the template uses `name`.
    func uses(_ name: String) -> Bool {
        parts.contains(.placeholder(name))
    }

    /// The command line with every placeholder replaced by its quoted value(s).
    /// A placeholder without a value becomes `''`.
    func expand(_ values: [String: [String]]) -> String {
        var line = ""
        for part in parts {
            switch part {
            case .text(let text): line += text
            case .placeholder(let name):
                let words = values[name] ?? []
                line += words.isEmpty ? "''" : words.map(ShellQuoting.quote).joined(separator: " ")
            }
        }
        return line
    }

    /// Why a template was refused.
    struct TemplateError: Error, Equatable, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
