import Synchronization

/// The outcome of executing a DAG.
///
/// The per-node results are kept as a list (``results``, in the DAG's node
/// order when the executor made it) with the count of each status taken once,
/// so the totals cost nothing; the name-keyed ``nodeResults`` dictionary is
/// built the first time something asks for it.
public struct ExecutionResult: Sendable {
    private var storage: Storage
    /// Wall time of the whole execution, in seconds.
    public var totalDurationSeconds: Double
    /// Whether the execution was cancelled.
    public var wasCancelled: Bool

    /// Creates a result from per-node results keyed by name.
    public init(nodeResults: [String: NodeResult], totalDurationSeconds: Double, wasCancelled: Bool = false) {
        self.storage = Storage(Array(nodeResults.values), byName: nodeResults)
        self.totalDurationSeconds = totalDurationSeconds
        self.wasCancelled = wasCancelled
    }

    /// Creates a result from a list of per-node results, one per node (the
    /// executor passes them in the DAG's node order).
    public init(results: [NodeResult], totalDurationSeconds: Double, wasCancelled: Bool = false) {
        self.storage = Storage(results, byName: nil)
        self.totalDurationSeconds = totalDurationSeconds
        self.wasCancelled = wasCancelled
    }

    /// Every node's result, in the order they were given (DAG node order for
    /// results made by the executor).
    public var results: [NodeResult] { storage.results }

    /// Every node's result, keyed by name.
    public var nodeResults: [String: NodeResult] {
        get { storage.byName }
        set { storage = Storage(Array(newValue.values), byName: newValue) }
    }

    /// How many nodes have `status`.
    public func count(_ status: NodeStatus) -> Int {
        storage.counts[Storage.slot(of: status)]
    }

    /// Nodes that completed.
    public var succeeded: Int { count(.completed) }
    /// Nodes that failed (including rejected gates).
    public var failed: Int { count(.failed) }
    /// Nodes that never ran because of a failure upstream or a missing task.
    public var skipped: Int { count(.skipped) }
    /// Nodes that exceeded their timeout.
    public var timedOut: Int { count(.timedOut) }
    /// Nodes stopped or never started because of cancellation.
    public var cancelled: Int { count(.cancelled) }
    /// Whether every node completed.
    public var isSuccess: Bool { succeeded == storage.results.count }

    /// The result for `name`.
    public subscript(name: String) -> NodeResult? { storage.byName[name] }

    /// Node results sorted by duration, longest first.
    public func slowest(_ limit: Int) -> [NodeResult] {
        Array(storage.results.sorted { $0.durationSeconds > $1.durationSeconds }.prefix(limit))
    }

    /// The immutable results shared by copies of an ``ExecutionResult``.
    private final class Storage: Sendable {
        let results: [NodeResult]
        /// The number of results per status, indexed by ``slot(of:)``.
        let counts: [Int]
        private let index: Mutex<[String: NodeResult]?>

        init(_ results: [NodeResult], byName: [String: NodeResult]?) {
            self.results = results
            var counts = Array(repeating: 0, count: NodeStatus.allCases.count)
            for result in results { counts[Self.slot(of: result.status)] += 1 }
            self.counts = counts
            index = Mutex(byName)
        }

        /// The results keyed by name, built on first use. Should two results
        /// share a name, the later one wins.
        var byName: [String: NodeResult] {
            index.withTrackedLock { index in
                if let index { return index }
                var built: [String: NodeResult] = [:]
                built.reserveCapacity(results.count)
                for result in results { built[result.name] = result }
                index = built
                return built
            }
        }

        static func slot(of status: NodeStatus) -> Int {
            switch status {
            case .pending: 0
            case .running: 1
            case .completed: 2
            case .failed: 3
            case .skipped: 4
            case .timedOut: 5
            case .cancelled: 6
            }
        }
    }
}
