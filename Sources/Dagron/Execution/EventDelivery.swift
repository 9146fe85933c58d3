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

    func fire(
        _ event: HookEvent,
        node: String? = nil,
        result: NodeResult? = nil,
        error: (any Error)? = nil,
        executionResult: ExecutionResult? = nil,
        metadata: [String: String] = [:]
    ) {
        let context = HookContext(
            event: event, dag: dag, nodeName: node, nodeResult: result, error: error,
            executionResult: executionResult, gates: gates, metadata: metadata)
        lock.lock()
        hooks.fire(context)
        lock.unlock()
    }
}
