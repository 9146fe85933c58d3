/// The measurements of one execution: each finished node's duration and
/// status, in the order the nodes finished.
struct RunTimings: Sendable {
    /// One timed node.
    struct Entry: Sendable {
        var node: String
        /// The node's index in the DAG, when known.
        var index: Int?
        /// The ``NodeStatus`` raw value (the SDK's enum is a resilient type:
        /// an entry holding one would be copied through runtime witnesses).
        var status: String
        var seconds: Double
    }

    private(set) var entries: [Entry] = []

    /// Empty timings for a DAG of `nodeCount` nodes.
    init(nodeCount: Int) {
        entries.reserveCapacity(nodeCount)
    }

    /// Records that `node` finished with `status` after running `seconds`.
    mutating func finished(_ node: String, index: Int?, status: String, seconds: Double) {
        entries.append(Entry(node: node, index: index, status: status, seconds: max(0, seconds)))
    }
}
