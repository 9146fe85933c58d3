import CYaml

/// Builds the ``YAMLNode`` tree of a one-document YAML text from the events
/// of libyaml's parser (the copy Yams carries): aliases stand for their
/// anchored node, and each mapping's keys are checked for duplicates.
///
/// Yams' `compose` builds the same tree through its general `Node`, whose
/// copies, per-node tag objects and duplicate-key grouping took half of
/// `dagron validate` on a 100,000-node file. Values mean what they meant
/// under it (see ``YAMLNode``), and the messages are libyaml's, as Yams
/// passed them on. Nesting is bounded by libyaml (1,000 levels), which
/// bounds the recursion here.
enum YAMLComposer {
    /// The document's root node, or `nil` when the text holds no document.
    /// - Throws: ``YAMLProblem``: a syntax error, an undefined alias, a
    ///   second document, or a mapping with duplicate keys.
    static func compose(_ text: String) throws(YAMLProblem) -> YAMLNode? {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(YAMLProblem) -> YAMLNode? in
                var composition = try Composition(bytes)
                defer { composition.close() }
                return try composition.document()
            }
        }
        return try result.get()
    }
}

/// One pass over one text: libyaml's parser state and the anchors seen so far.
private struct Composition {
    /// How many values aliases may add to a file beyond `aliasFactor` times
    /// the values it holds: a reader walks every alias's values again, so a
    /// "billion laughs" file (aliases of aliases, or one big anchored mapping
    /// repeated in every node) would otherwise take minutes and gigabytes.
    static let aliasAllowance = 1_000_000
    /// How many times its own values aliases may add to a file (beyond the allowance).
    static let aliasFactor = 50

    let parser: UnsafeMutablePointer<yaml_parser_t>
    let bytes: UnsafeBufferPointer<UInt8>
    /// Each anchor's node, and how many values it stands for, its aliases' included.
    var anchors: [String: (node: YAMLNode, values: Int)] = [:]
    /// Values written in the text so far.
    var written = 0
    /// Values composed so far: `written`, and each alias's values again.
    var composed = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) throws(YAMLProblem) {
        self.bytes = bytes
        parser = .allocate(capacity: 1)
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deallocate()
            throw YAMLProblem(kind: .syntax("out of memory"), line: 0, column: 0)
        }
        yaml_parser_set_input_string(parser, bytes.baseAddress, bytes.count)
    }

    func close() {
        yaml_parser_delete(parser)
        parser.deallocate()
    }

    /// The stream's one document: its root, or `nil` for an empty stream.
    mutating func document() throws(YAMLProblem) -> YAMLNode? {
        var event = try next()  // stream start
        yaml_event_delete(&event)
        event = try next()
        guard event.type == YAML_DOCUMENT_START_EVENT else {
            yaml_event_delete(&event)
            return nil
        }
        yaml_event_delete(&event)
        var rootEvent = try next()
        let root = try node(from: &rootEvent)
        event = try next()  // document end
        yaml_event_delete(&event)
        event = try next()
        defer { yaml_event_delete(&event) }
        guard event.type == YAML_STREAM_END_EVENT else {
            throw problem("expected a single document, but found another", at: event.start_mark)
        }
        return root
    }

    /// The next event; the caller deletes it.
    func next() throws(YAMLProblem) -> yaml_event_t {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw parserProblem() }
        return event
    }

    /// The node that starts with `event` (which this deletes), and all of its content.
    mutating func node(from event: inout yaml_event_t) throws(YAMLProblem) -> YAMLNode {
        let composedBefore = composed
        if event.type != YAML_ALIAS_EVENT {
            written += 1
            composed &+= 1
        }
        let (line, column) = Self.position(event.start_mark)
        switch event.type {
        case YAML_SCALAR_EVENT:
            defer { yaml_event_delete(&event) }
            let data = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            let node = YAMLNode(
                content: .scalar(.init(string: text, isPlain: data.style == YAML_PLAIN_SCALAR_STYLE)),
                tag: data.quoted_implicit == 1 ? YAMLTag.str : Self.string(data.tag),
                line: line, column: column)
            if let anchor = Self.string(data.anchor) { anchors[anchor] = (node, 1) }
            return node
        case YAML_ALIAS_EVENT:
            defer { yaml_event_delete(&event) }
            guard let name = Self.string(event.data.alias.anchor), let anchored = anchors[name] else {
                throw problem("found undefined alias", at: event.start_mark)
            }
            let (total, overflow) = composed.addingReportingOverflow(anchored.values)
            composed = overflow ? .max : total
            if composed - written > Self.aliasAllowance,
                composed - written > written.multipliedReportingOverflow(by: Self.aliasFactor).partialValue
            {
                throw problem(
                    "aliases would repeat \(composed == .max ? "too many" : "\(composed - written)") values, "
                        + "more than \(Self.aliasFactor) times the \(written) the file holds (a \"billion laughs\" file?)",
                    at: event.start_mark)
            }
            return anchored.node
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            let tag = data.implicit != 0 ? nil : Self.string(data.tag)
            let anchor = Self.string(data.anchor)
            yaml_event_delete(&event)
            var items: [YAMLNode] = []
            while true {
                var item = try next()
                if item.type == YAML_SEQUENCE_END_EVENT {
                    yaml_event_delete(&item)
                    break
                }
                items.append(try node(from: &item))
            }
            let node = YAMLNode(content: .sequence(items), tag: tag, line: line, column: column)
            if let anchor { anchors[anchor] = (node, composed - composedBefore) }
            return node
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            let tag = data.implicit != 0 ? nil : Self.string(data.tag)
            let anchor = Self.string(data.anchor)
            yaml_event_delete(&event)
            var entries: [YAMLMapping.Entry] = []
            while true {
                var keyEvent = try next()
                if keyEvent.type == YAML_MAPPING_END_EVENT {
                    yaml_event_delete(&keyEvent)
                    break
                }
                let key = try node(from: &keyEvent)
                var valueEvent = try next()
                entries.append(.init(key: key, value: try node(from: &valueEvent)))
            }
            try Self.checkDuplicateKeys(entries)
            let node = YAMLNode(content: .mapping(YAMLMapping(entries: entries)), tag: tag, line: line, column: column)
            if let anchor { anchors[anchor] = (node, composed - composedBefore) }
            return node
        default:
            // libyaml sends only node events here; anything else is a broken stream.
            defer { yaml_event_delete(&event) }
            throw problem("unexpected event \(event.type.rawValue)", at: event.start_mark)
        }
    }

    /// Throws when two scalar keys have the same text and the same resolved
    /// tag (as Yams compares keys; an untagged plain key is a string under
    /// its basic resolver). Names the duplicated keys, sorted, at the first
    /// use of the first of them. Other keys are refused by the reader anyway.
    static func checkDuplicateKeys(_ entries: [YAMLMapping.Entry]) throws(YAMLProblem) {
        guard entries.count > 1 else { return }
        var duplicated: [KeyIdentity] = []
        if entries.count <= 8 {
            // A node's own few keys: comparing pairs beats building a set.
            for later in 1..<entries.count {
                guard let identity = KeyIdentity(entries[later].key) else { continue }
                if entries[..<later].contains(where: { KeyIdentity($0.key) == identity }),
                    !duplicated.contains(identity)
                {
                    duplicated.append(identity)
                }
            }
        } else {
            var seen = Set<KeyIdentity>(minimumCapacity: entries.count)
            var repeated: Set<KeyIdentity> = []
            for entry in entries {
                guard let identity = KeyIdentity(entry.key) else { continue }
                if !seen.insert(identity).inserted { repeated.insert(identity) }
            }
            duplicated = Array(repeated)
        }
        guard !duplicated.isEmpty else { return }
        duplicated.sort { $0.text < $1.text }
        let first = entries.first { KeyIdentity($0.key) == duplicated[0] }?.key
        throw YAMLProblem(
            kind: .duplicateKeys(duplicated.map(\.text)), line: first?.line ?? 0, column: first?.column ?? 0)
    }

    /// What makes two mapping keys the same key: their text, whatever their
    /// tags. YAML would tell `!!int 1` from `'1'`, but every reader of
    /// dagron's files looks keys up by their text, so a tagged second `run`
    /// (`!x run: ...`) would silently replace the first.
    struct KeyIdentity: Hashable {
        var text: String

        init?(_ key: YAMLNode) {
            guard let scalar = key.scalar else { return nil }
            text = scalar.string
        }
    }

    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// A libyaml mark (0-based) as a 1-based line and column.
    static func position(_ mark: yaml_mark_t) -> (line: Int, column: Int) {
        (Int(truncatingIfNeeded: mark.line) + 1, Int(truncatingIfNeeded: mark.column) + 1)
    }

    func problem(_ message: String, at mark: yaml_mark_t) -> YAMLProblem {
        let (line, column) = Self.position(mark)
        return YAMLProblem(kind: .syntax(message), line: line, column: column)
    }

    /// libyaml's error, at its position: a reader error (a byte YAML does
    /// not allow) gives a byte offset, which becomes a line and column here.
    func parserProblem() -> YAMLProblem {
        let state = parser.pointee
        let message = state.problem.map { String(cString: $0) } ?? "out of memory"
        guard state.error == YAML_READER_ERROR else { return problem(message, at: state.problem_mark) }
        let offset = min(state.problem_offset, bytes.count)
        var line = 1
        var column = 1
        for byte in bytes[..<offset] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return YAMLProblem(kind: .syntax(message), line: line, column: column)
    }
}
