import DagronSDK

/// The measurements of one execution: when each node started, and each
/// finished node's duration and status.
struct RunTimings: Sendable {
    /// One timed node.
    struct Entry: Sendable {
        var node: String
        var status: NodeStatus
        var duration: Duration
    }

    private var starts: [String: ContinuousClock.Instant] = [:]
    private(set) var entries: [Entry] = []

    mutating func started(_ node: String, at instant: ContinuousClock.Instant) {
        starts[node] = instant
    }

    /// Records the end of `node`; ignored if it never started (a node skipped
    /// without running has no duration to report).
    mutating func finished(_ node: String, status: NodeStatus, at instant: ContinuousClock.Instant) {
        guard let start = starts.removeValue(forKey: node) else { return }
        entries.append(Entry(node: node, status: status, duration: start.duration(to: instant)))
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
