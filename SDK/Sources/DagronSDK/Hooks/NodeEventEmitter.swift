/// Fires the node-level events of one execution through one reused context.
///
/// For executors, which fire several events per node: building a fresh
/// ``HookContext`` for each one retains and releases the DAG, the gate
/// controller and the metadata, and destroys the context field by field.
/// The emitter keeps one context whose run-wide fields are set once, and
/// changes only the node fields from event to event. Callbacks see exactly
/// what `fire(HookContext(event:dag:nodeName:nodeIndex:nodeResult:error:gates:))`
/// would give them, and an event nobody listens to (see
/// ``HookRegistry/hasCallbacks(for:)``) costs one atomic load.
///
/// One thread at a time: the caller serializes its calls (an executor
/// delivers a run's events one at a time). A callback may fire again on the
/// same thread; such a nested event gets a context of its own.
@_spi(DagronHost) public final class NodeEventEmitter: @unchecked Sendable {
    // @unchecked: `context` and `firing` are only touched by the one thread
    // that is delivering (see the type's documentation).
    private let storage: HookStorage
    /// Allocated once; callbacks borrow it in place (a stored property would
    /// be copied for every call).
    private let context: UnsafeMutablePointer<HookContext>
    private var firing = false
    private let dag: DAG?
    private let gates: GateController?

    /// An emitter for the events of one execution of `dag`.
    public init(hooks: HookRegistry, dag: DAG?, gates: GateController?) {
        storage = hooks.storage
        self.dag = dag
        self.gates = gates
        context = .allocate(capacity: 1)
        context.initialize(to: HookContext(event: .preNode, dag: dag, gates: gates))
    }

    deinit {
        context.deinitialize(count: 1)
        context.deallocate()
    }

    /// Fires `event` for the node called `nodeName` at `nodeIndex`, with its
    /// result and error where the event has them.
    public func fire(
        _ event: HookEvent, nodeName: String, nodeIndex: Int, nodeResult: NodeResult? = nil, error: (any Error)? = nil
    ) {
        guard storage.hasCallbacks(for: event) else { return }
        if firing {
            // The outer event's context is in use: this one gets its own.
            var nested = HookContext(
                event: event, dag: dag, nodeName: nodeName, nodeIndex: nodeIndex, nodeResult: nodeResult,
                error: error, gates: gates)
            storage.fireInPlace(&nested)
            return
        }
        firing = true
        context.pointee.event = event
        context.pointee.nodeName = nodeName
        context.pointee.nodeIndex = nodeIndex
        context.pointee.nodeResult = nodeResult
        context.pointee.error = error
        storage.fireInPlace(&context.pointee)
        // Hold nothing of this node past its event.
        context.pointee.nodeResult = nil
        context.pointee.error = nil
        firing = false
    }
}
