import CoreMetrics
import Prometheus
import Synchronization

/// dagron's metrics, recorded through swift-metrics into a private
/// swift-prometheus registry:
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
    private let nodeTimers = Mutex<[NodeKey: CoreMetrics.Timer]>([:])
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
                ],
            ])
        running = CoreMetrics.Meter(label: Self.nodesRunning, dimensions: [], factory: factory)
        running.set(0.0)
        executionTimer = CoreMetrics.Timer(label: Self.executionDuration, dimensions: [], factory: factory)
        var counters: [String: CoreMetrics.Counter] = [:]
        for outcome in Self.outcomes {
            counters[outcome] = CoreMetrics.Counter(label: Self.executions, dimensions: [("outcome", outcome)], factory: factory)
        }
        executionCounters = counters
    }

    /// A node started.
    func nodeStarted() {
        running.increment()
    }

    /// A node that started finished with `status` after `seconds`.
    func nodeFinished(_ node: String, status: String, seconds: Double, failed: Bool) {
        running.decrement()
        let key = NodeKey(node: node, status: status)
        let timer = nodeTimers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(label: Self.nodeDuration, dimensions: [("node_name", node), ("status", status)], factory: factory)
            timers[key] = timer
            return timer
        }
        timer.recordSeconds(seconds)
        guard failed else { return }
        let counter = failureCounters.withLock { counters in
            if let counter = counters[node] { return counter }
            let counter = CoreMetrics.Counter(label: Self.nodeFailures, dimensions: [("node_name", node)], factory: factory)
            counters[node] = counter
            return counter
        }
        counter.increment()
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
