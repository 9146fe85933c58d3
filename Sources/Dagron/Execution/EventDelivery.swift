import DagronSDK
import Foundation

/// Delivers the hook events of one execution one at a time.
///
/// A recursive lock serializes delivery across worker threads while letting a
/// callback re-enter on its own thread (for example a callback that cancels
/// the execution, which fires `node_skipped` events, or fires events of its own).
final class EventDelivery: @unchecked Sendable {
    // @unchecked: `lock` is only used through lock()/unlock(); everything
    // else is immutable.
    let hooks: HookRegistry
    let dag: DAG
    let gates: GateController?
    private let lock = NSRecursiveLock()

    init(hooks: HookRegistry, dag: DAG, gates: GateController?) {
        self.hooks = hooks
        self.dag = dag
        self.gates = gates
        lock.name = "dagron.event-delivery"
    }

    /// Fires an execution-level event.
    func fire(_ event: HookEvent, executionResult: ExecutionResult? = nil) {
        deliver(HookContext(event: event, dag: dag, executionResult: executionResult, gates: gates))
    }

    /// Fires a node-level event about the node called `node`, at `index` in the DAG.
    func fire(
        _ event: HookEvent,
        node: String,
        index: Int,
        result: NodeResult? = nil,
        error: (any Error)? = nil,
        metadata: [String: String] = [:]
    ) {
        deliver(HookContext(
            event: event, dag: dag, nodeName: node, nodeIndex: index, nodeResult: result, error: error,
            gates: gates, metadata: metadata))
    }

    private func deliver(_ context: HookContext) {
        lock.lock()
        hooks.fire(context)
        lock.unlock()
    }
}
