/// One node of a YAML document as ``YAMLComposer`` builds it: its content,
/// the tag written on it, and where it starts. What the pipeline reader asks
/// of a value, answered as Yams' `Node` answers it under Yams' basic
/// resolver, so a file means what it meant when Yams composed it.
struct YAMLNode: Sendable {
    /// A scalar's text and how it was written.
    struct Scalar: Sendable {
        /// The scalar's value, after quoting and escapes are undone.
        var string: String
        /// Whether it was written plain: not quoted, not a `|` or `>` block.
        var isPlain: Bool
    }

    /// What a node holds.
    enum Content: Sendable {
        case scalar(Scalar)
        case sequence([YAMLNode])
        case mapping(YAMLMapping)
    }

    var content: Content
    /// The tag written on the node, expanded (`!!str` is `tag:yaml.org,2002:str`);
    /// ``YAMLTag/str`` for a quoted scalar; `nil` when none was written.
    var tag: String?
    /// The 1-based line of the node's first character.
    var line: Int
    /// The 1-based column of the node's first character.
    var column: Int

    /// The scalar, or `nil` for a list or a mapping.
    var scalar: Scalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// The scalar's text, or `nil` for a list or a mapping.
    var string: String? { scalar?.string }

    /// The items, or `nil` unless the node is a list.
    var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The entries, or `nil` unless the node is a mapping.
    var mapping: YAMLMapping? {
        if case .mapping(let mapping) = content { return mapping }
        return nil
    }

    /// Whether the node is a plain null scalar (empty, `~`, `null`, `Null`,
    /// `NULL`), whatever its tag: as Yams' `Node.null` answers.
    var isNull: Bool {
        guard let scalar, scalar.isPlain else { return false }
        switch scalar.string {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// The scalar as a boolean (`true`/`yes`/`on`, `false`/`no`/`off`, in
    /// any case), unless it is tagged a string: as Yams' `Node.bool` answers.
    var bool: Bool? {
        guard let scalar, tag != YAMLTag.str else { return nil }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// The node's tag as far as the pipeline reader cares, resolved as Yams'
    /// default rules resolve it: a plain scalar without a tag is
    /// ``YAMLTag/bool`` or ``YAMLTag/null`` when its text is spelt as one and
    /// ``YAMLTag/str`` otherwise (numbers are read from the text, so their
    /// tag is never asked about); `!` on a scalar means ``YAMLTag/str``; a list
    /// or mapping without a tag is ``YAMLTag/seq`` or ``YAMLTag/map``.
    var resolvedTag: String {
        switch (content, tag) {
        case (.scalar, YAMLTag.nonSpecific?): return YAMLTag.str
        case (_, let tag?): return tag
        case (.sequence, nil): return YAMLTag.seq
        case (.mapping, nil): return YAMLTag.map
        case (.scalar(let scalar), nil):
            switch scalar.string {
            case "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
                "on", "On", "ON", "off", "Off", "OFF":
                return YAMLTag.bool
            case "~", "null", "Null", "NULL", "":
                return YAMLTag.null
            default:
                return YAMLTag.str
            }
        }
    }
}
