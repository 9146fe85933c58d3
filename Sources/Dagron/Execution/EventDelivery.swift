@_spi(DagronHost) import DagronSDK
import Foundation

/// Delivers the hook events of one execution one at a time.
///
/// A re-entrant lock (``DeliveryLock``) serializes delivery across worker
/// threads while letting a callback re-enter on its own thread (for example
/// a callback that cancels the execution, which fires `node_skipped` events,
/// or fires events of its own).
final class EventDelivery: Sendable {
    let hooks: HookRegistry
    let dag: DAG
    let gates: GateController?
    private let lock = DeliveryLock()
    /// Node events reuse one context; only used under `lock`.
    private let nodeEvents: NodeEventEmitter

    init(hooks: HookRegistry, dag: DAG, gates: GateController?) {
        self.hooks = hooks
        self.dag = dag
        self.gates = gates
        nodeEvents = NodeEventEmitter(hooks: hooks, dag: dag, gates: gates)
    }

    /// Fires an execution-level event.
    func fire(_ event: HookEvent, executionResult: ExecutionResult? = nil) {
        deliver(HookContext(event: event, dag: dag, executionResult: executionResult, gates: gates))
    }

    /// Fires a node-level event about the node called `node`, at `index` in the DAG.
    ///
    /// An event nobody listens to costs one atomic load: no context, no lock.
    func fire(_ event: HookEvent, node: String, index: Int, result: NodeResult? = nil, error: (any Error)? = nil) {
        guard hooks.hasCallbacks(for: event) else { return }
        lock.lock()
        nodeEvents.fire(event, nodeName: node, nodeIndex: index, nodeResult: result, error: error)
        lock.unlock()
    }

    /// Fires a node-level event that carries metadata (the gate events).
    func fire(_ event: HookEvent, node: String, index: Int, metadata: [String: String]) {
        deliver(
            HookContext(
                event: event, dag: dag, nodeName: node, nodeIndex: index, gates: gates, metadata: metadata))
    }

    private func deliver(_ context: HookContext) {
        lock.lock()
        hooks.fire(context)
        lock.unlock()
    }
}
