import DagronSDK
import Dispatch

/// The measurements of one execution: when each node started, and each
/// finished node's duration and status.
///
/// Nodes are tracked by their index in the DAG when the event carries one
/// (``HookContext/nodeIndex``, set by the executor), so the per-node work is
/// an array access; events without an index fall back to the node's name.
/// Instants are `CLOCK_MONOTONIC` nanoseconds (``now()``).
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

    private var starts: [UInt64]
    private var startsByName: [String: UInt64] = [:]
    private(set) var entries: [Entry] = []

    /// The monotonic clock the plugin measures with, in nanoseconds.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Empty timings for a DAG of `nodeCount` nodes.
    init(nodeCount: Int) {
        starts = Array(repeating: 0, count: nodeCount)
        entries.reserveCapacity(nodeCount)
    }

    mutating func started(_ node: String, index: Int?, at instant: UInt64) {
        if let index, starts.indices.contains(index) {
            starts[index] = instant
        } else {
            startsByName[node] = instant
        }
    }

    /// Records the end of `node`; ignored if it never started (a node skipped
    /// without running has no duration to report).
    mutating func finished(_ node: String, index: Int?, status: String, at instant: UInt64) {
        var start: UInt64 = 0
        if let index, starts.indices.contains(index), starts[index] != 0 {
            start = starts[index]
            starts[index] = 0
        } else if let recorded = startsByName.removeValue(forKey: node) {
            start = recorded
        } else {
            return
        }
        let seconds = Double(instant &- start) / 1e9
        entries.append(Entry(node: node, index: index, status: status, seconds: max(0, seconds)))
    }
}
