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
