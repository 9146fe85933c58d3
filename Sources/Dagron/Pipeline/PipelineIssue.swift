/// One mistake in a pipeline file, with its position and the key it concerns.
///
/// Its description reads like a compiler diagnostic:
/// `etl.yml:12:5: nodes.load.retries: expected a non-negative integer, got 'many'`.
public struct PipelineIssue: Sendable, Equatable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// The 1-based line (0 when unknown).
    public var line: Int
    /// The 1-based column (0 when unknown).
    public var column: Int
    /// The dotted key path, for example `nodes.load.after`; empty for the whole file.
    public var key: String
    /// What is wrong, in words.
    public var message: String

    /// Creates an issue.
    public init(file: String, line: Int, column: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// `file:line:column: key: message`.
    public var description: String {
        key.isEmpty
            ? "\(Self.position(file, line, column)): \(message)"
            : "\(Self.position(file, line, column)): \(key): \(message)"
    }

    /// `file:line:column`, leaving out a line or column of 0 (unknown).
    public static func position(_ file: String, _ line: Int, _ column: Int) -> String {
        var position = file
        if line > 0 { position += ":\(line)" }
        if column > 0 { position += ":\(column)" }
        return position
    }
}

/// A pipeline file that cannot be used: every ``PipelineIssue`` found in it.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    /// The issues, in file order.
    public var issues: [PipelineIssue]

    /// Creates an error from its issues.
    public init(issues: [PipelineIssue]) {
        self.issues = issues
    }

    /// One issue per line.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
