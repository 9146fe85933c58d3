@_spi(DagronHost) public import DagronSDK
import Foundation
import Synchronization

/// Runs a task per node of a ``DAG`` in dependency order, with up to
/// `maxWorkers` tasks at once, firing hook events along the way.
///
/// ```swift
/// let executor = DAGExecutor(dag, hooks: manager.hooks, maxWorkers: 4)
/// let result = await executor.execute([
///     "extract": .sync { try extract() },
///     "transform": .async { try await transform() },
/// ])
/// print(result.succeeded, result.failed)
/// ```
///
/// ## Events
/// `pre_execute` first and `post_execute` last. A node that runs fires
/// `pre_node`, then exactly one of `post_node` (completed) or `on_error`
/// (failed, timed out, cancelled while running, or rejected at its gate). A
/// node that never runs fires `node_skipped` only. Gate nodes also fire
/// `gate_waiting` and `gate_resolved`. Events of one execution are delivered
/// one at a time, never concurrently, and a node's `post_node` comes before
/// the `pre_node` of any of its successors.
///
/// ## Failures
/// A node whose predecessor did not complete is skipped. With `failFast`
/// (the default) the first node that does not complete (failed, timed out,
/// rejected at its gate) also skips every node that has not started yet and
/// stops the ones running: their async tasks are cancelled and their gates
/// stop waiting, so they end `cancelled` (firing `on_error`) with an error
/// that says `fail-fast after 'x' failed`; no retry starts after that. A
/// sync task cannot be interrupted: it runs to its end. This is not a
/// cancellation of the execution (``ExecutionResult/wasCancelled`` stays
/// `false`). Without `failFast`, branches that do not depend on the failure
/// run on. A node without a task is skipped, and so are its descendants.
///
/// ## Workers
/// Sync tasks run on dedicated worker threads (so blocking work gets real
/// parallelism); async tasks run as Swift tasks while a worker waits for them.
/// A gate node does not occupy a worker while it waits. `maxWorkers` is an
/// upper bound: when tasks finish in less time than it takes to deliver
/// their events (no-op tasks, say) and every worker keeps completing them,
/// all workers but one stand by, since events are delivered one at a time
/// and a second worker would only contend for them. A worker on standby
/// takes a node again every half millisecond and stays as soon as its
/// tasks take longer or its peers stop completing nodes (one is busy in a
/// long task).
public final class DAGExecutor: Sendable {
    /// The DAG to execute.
    public let dag: DAG
    /// The registry hooks are fired on, if any.
    public let hooks: HookRegistry?
    /// The maximum number of nodes running at once.
    public let maxWorkers: Int
    /// Whether the first failure skips every node that has not started and
    /// cancels the running ones (see "Failures" above).
    public let failFast: Bool
    /// The gates: a node whose name has a gate here waits for it before its task runs.
    public let gates: GateController?
    private let activeRuns = Mutex<[ObjectIdentifier: ExecutionRun]>([:])

    /// The default worker count: the number of active processors.
    public static var defaultMaxWorkers: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Creates an executor.
    /// - Parameters:
    ///   - dag: The DAG to execute.
    ///   - hooks: Where to fire events; `nil` for none.
    ///   - maxWorkers: The maximum number of nodes running at once (at least 1).
    ///   - failFast: Whether the first failure skips everything not yet started and cancels what runs.
    ///   - gates: Approval gates for gate nodes, matched by node name.
    public init(
        _ dag: DAG,
        hooks: HookRegistry? = nil,
        maxWorkers: Int = DAGExecutor.defaultMaxWorkers,
        failFast: Bool = true,
        gates: GateController? = nil
    ) {
        self.dag = dag
        self.hooks = hooks
        self.maxWorkers = max(1, maxWorkers)
        self.failFast = failFast
        self.gates = gates
    }

    /// Executes the DAG. Cancelling the calling task cancels the execution:
    /// running async tasks are cancelled, pending nodes are marked cancelled,
    /// and the result is still returned.
    ///
    /// - Parameter tasks: The task of each node, by node name. A node without
    ///   a task (and without a gate) is skipped.
    public func execute(_ tasks: [String: NodeTask]) async -> ExecutionResult {
        let run = makeRun(tasks)
        defer { activeRuns.withTrackedLock { _ = $0.removeValue(forKey: ObjectIdentifier(run)) } }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                run.start { continuation.resume(returning: $0) }
            }
        } onCancel: {
            run.cancel()
        }
    }

    /// Executes the DAG, blocking the calling thread until it finishes.
    /// Don't call this from Swift concurrency code; use ``execute(_:)``.
    public func executeBlocking(_ tasks: [String: NodeTask]) -> ExecutionResult {
        let run = makeRun(tasks)
        defer { activeRuns.withTrackedLock { _ = $0.removeValue(forKey: ObjectIdentifier(run)) } }
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<ExecutionResult?>(nil)
        run.start { result in
            box.withTrackedLock { $0 = result }
            done.signal()
        }
        done.wait()
        return box.withTrackedLock { $0! }
    }

    /// Cancels every execution of this executor in progress.
    public func cancel() {
        let runs = activeRuns.withTrackedLock { Array($0.values) }
        for run in runs { run.cancel() }
    }

    private func makeRun(_ tasks: [String: NodeTask]) -> ExecutionRun {
        let run = ExecutionRun(
            dag: dag, tasks: tasks, hooks: hooks, maxWorkers: maxWorkers, failFast: failFast, gates: gates)
        activeRuns.withTrackedLock { $0[ObjectIdentifier(run)] = run }
        return run
    }
}
