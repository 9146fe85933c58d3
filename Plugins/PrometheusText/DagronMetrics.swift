import CoreMetrics
import DagronSDK
import Prometheus
import Synchronization

/// dagron's metrics, recorded through swift-metrics into a private
/// swift-prometheus registry (node durations go straight into their
/// swift-prometheus histograms: one per node, recorded once per node run,
/// each a cold object on a large DAG, so the hot path skips swift-metrics'
/// `Timer` wrapper and the extra object it would touch):
///
/// | Metric | Type | Labels |
/// |---|---|---|
/// | `dagron_node_duration_seconds` | histogram | `node_name`, `status` |
/// | `dagron_node_failures_total` | counter | `node_name` |
/// | `dagron_executions_total` | counter | `outcome` (`success`, `failure`, `cancelled`) |
/// | `dagron_execution_duration_seconds` | histogram | |
/// | `dagron_nodes_running` | gauge | |
final class DagronMetrics: Sendable {
    static let nodeDuration = "dagron_node_duration_seconds"
    static let nodeFailures = "dagron_node_failures_total"
    static let executions = "dagron_executions_total"
    static let executionDuration = "dagron_execution_duration_seconds"
    static let nodesRunning = "dagron_nodes_running"

    /// The outcomes `dagron_executions_total` is labelled with.
    static let outcomes = ["success", "failure", "cancelled"]

    private struct NodeKey: Hashable {
        var node: String
        var status: String
    }

    private let registry = PrometheusCollectorRegistry()
    private let factory: HelpTextMetricsFactory
    private let running: CoreMetrics.Meter
    private let executionTimer: CoreMetrics.Timer
    private let executionCounters: [String: CoreMetrics.Counter]
    private let nodeTimers = Mutex<[NodeKey: DurationHistogram]>([:])
    /// The `completed` timers of the DAG that started last, by node index
    /// (see ``executionStarted(_:)``).
    private let completedByIndex = Mutex(CompletedTimers())
    private let failureCounters = Mutex<[String: CoreMetrics.Counter]>([:])

    init() {
        factory = HelpTextMetricsFactory(
            registry: registry,
            help: [
                Self.nodeDuration: "Time each node ran, by node and final status.",
                Self.nodeFailures: "Nodes that failed or timed out, by node.",
                Self.executions: "Finished DAG executions, by outcome.",
                Self.executionDuration: "Wall time of whole DAG executions.",
                Self.nodesRunning: "Nodes running right now.",
            ],
            durationBuckets: [
                Self.executionDuration: [
                    .milliseconds(10), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
                    .seconds(15), .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
                ]
            ])
        running = CoreMetrics.Meter(label: Self.nodesRunning, dimensions: [], factory: factory)
        running.set(0.0)
        executionTimer = CoreMetrics.Timer(label: Self.executionDuration, dimensions: [], factory: factory)
        var counters: [String: CoreMetrics.Counter] = [:]
        for outcome in Self.outcomes {
            counters[outcome] = CoreMetrics.Counter(
                label: Self.executions, dimensions: [("outcome", outcome)], factory: factory)
        }
        executionCounters = counters
    }

    /// An execution of `dag` started: from now on its nodes' `completed`
    /// timers are kept by node index, so a host that runs the same DAG again
    /// (a long-lived service) records each node without hashing its name
    /// and status. The DAG is held until another one starts, so its identity
    /// cannot be taken by a new object.
    func executionStarted(_ dag: DAG) {
        completedByIndex.withTrackedLock { cache in
            guard cache.dag !== dag else { return }
            cache = CompletedTimers(dag: dag, timers: Array(repeating: nil, count: dag.nodeCount))
        }
    }

    /// A node started.
    func nodeStarted() {
        running.increment()
    }

    /// A node completed after `seconds`; `index` is its position in `dag`.
    func nodeCompleted(_ node: String, index: Int?, dag: DAG?, seconds: Double) {
        running.decrement()
        let status = NodeStatus.completed.rawValue
        let timer: DurationHistogram
        if let index, let dag {
            timer = completedByIndex.withTrackedLock { cache in
                // Another DAG's node (runs overlap): the name lookup.
                guard cache.dag === dag, cache.timers.indices.contains(index) else {
                    return nodeTimer(node, status: status)
                }
                if let timer = cache.timers[index] { return timer }
                let timer = nodeTimer(node, status: status)
                cache.timers[index] = timer
                return timer
            }
        } else {
            timer = nodeTimer(node, status: status)
        }
        timer.record(Self.duration(seconds))
    }

    /// A node that started finished with `status` after `seconds`.
    func nodeFinished(_ node: String, status: String, seconds: Double, failed: Bool) {
        running.decrement()
        nodeTimer(node, status: status).record(Self.duration(seconds))
        guard failed else { return }
        let counter = failureCounters.withTrackedLock { counters in
            if let counter = counters[node] { return counter }
            let counter = CoreMetrics.Counter(
                label: Self.nodeFailures, dimensions: [("node_name", node)], factory: factory)
            counters[node] = counter
            return counter
        }
        counter.increment()
    }

    /// The duration histogram of `node` finishing with `status`, created on first use.
    private func nodeTimer(_ node: String, status: String) -> DurationHistogram {
        nodeTimers.withTrackedLock { timers in
            let key = NodeKey(node: node, status: status)
            if let timer = timers[key] { return timer }
            let timer = factory.makeDurationHistogram(
                label: Self.nodeDuration, dimensions: [("node_name", node), ("status", status)])
            timers[key] = timer
            return timer
        }
    }

    /// `seconds` as a `Duration`, with nanosecond resolution (what a
    /// swift-metrics `Timer` records), never negative.
    private static func duration(_ seconds: Double) -> Duration {
        Duration(clampingSeconds: seconds)
    }

    /// An execution finished.
    func executionFinished(outcome: String, seconds: Double) {
        executionCounters[outcome]?.increment()
        executionTimer.recordSeconds(seconds)
    }

    /// The current values in the Prometheus text exposition format (version 0.0.4).
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

/// The `completed` timers of one DAG's nodes, by node index.
private struct CompletedTimers: Sendable {
    var dag: DAG?
    var timers: [DurationHistogram?] = []
}
