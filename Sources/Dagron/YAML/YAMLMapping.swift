/// A YAML mapping's entries, in the order they were written.
struct YAMLMapping: Sendable, Sequence {
    /// One key and its value.
    struct Entry: Sendable {
        var key: YAMLNode
        var value: YAMLNode
    }

    /// Walks the entries as `(key, value)` pairs.
    struct Iterator: IteratorProtocol {
        var entries: IndexingIterator<[Entry]>

        mutating func next() -> (key: YAMLNode, value: YAMLNode)? {
            entries.next().map { ($0.key, $0.value) }
        }
    }

    var entries: [Entry]

    /// How many entries.
    var count: Int { entries.count }
    /// Whether it has no entries.
    var isEmpty: Bool { entries.isEmpty }

    func makeIterator() -> Iterator { Iterator(entries: entries.makeIterator()) }
}
