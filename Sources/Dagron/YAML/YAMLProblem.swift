/// Why a text is not one YAML document the pipeline reader can take, and where.
struct YAMLProblem: Error, Sendable {
    /// What is wrong.
    enum Kind: Sendable, Equatable {
        /// libyaml's own words: a character, token or structure YAML does not allow.
        case syntax(String)
        /// A mapping names these keys more than once (sorted).
        case duplicateKeys([String])
    }

    var kind: Kind
    /// The 1-based line of the problem (of the first duplicate key's first use).
    var line: Int
    /// The 1-based column of the problem.
    var column: Int
}

extension YAMLProblem {
    /// The problem as an issue of `file` (whose text is `text`), at its
    /// position. A line indented with a tab gets a hint, since libyaml's own
    /// words ("found character that cannot start any token") do not say so.
    func issue(file: String, text: String) -> PipelineIssue {
        let message: String
        switch kind {
        case .syntax(let words):
            message = "not valid YAML: \(words)\(Self.tabHint(line: line, in: text))"
        case .duplicateKeys(let keys):
            message = "duplicate key\(keys.count == 1 ? "" : "s") " + keys.map { "'\($0)'" }.joined(separator: ", ")
        }
        return PipelineIssue(file: file, line: line, column: column, key: "", message: message)
    }

    /// A hint when line `line` (1-based) of `text` is indented with a tab, which YAML forbids.
    static func tabHint(line: Int, in text: String) -> String {
        guard line >= 1 else { return "" }
        var lines = text.split(separator: "\n", maxSplits: line, omittingEmptySubsequences: false).dropFirst(line - 1)
        guard let wanted = lines.popFirst() else { return "" }
        let indentation = wanted.prefix { $0 == " " || $0 == "\t" }
        return indentation.contains("\t")
            ? " (the line is indented with a tab: YAML allows only spaces for indentation)" : ""
    }
}
