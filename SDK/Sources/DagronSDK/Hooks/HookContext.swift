/// What a hook callback receives: the event and whatever the event is about.
///
/// Which fields are set depends on ``event``; see the table on ``HookEvent``.
/// Fields that do not apply to an event are `nil`.
public struct HookContext: Sendable {
    /// The event that triggered the callback.
    public var event: HookEvent
    /// The DAG being built or executed.
    public var dag: DAG?
    /// The node involved, for node-level events.
    public var nodeName: String?
    /// The position of ``nodeName`` in ``dag``'s ``DAG/nodes``, for node-level
    /// events fired by the executor: lets a plugin keep per-node state in an
    /// array sized ``DAG/nodeCount`` instead of hashing names.
    public var nodeIndex: Int?
    /// The node's result: for ``HookEvent/postNode``, ``HookEvent/onError`` and
    /// ``HookEvent/nodeSkipped``. Its ``NodeResult/status`` and
    /// ``NodeResult/durationSeconds`` are always meaningful.
    public var nodeResult: NodeResult?
    /// The error, for ``HookEvent/onError``.
    public var error: (any Error)?
    /// The full execution result, for ``HookEvent/postExecute``.
    public var executionResult: ExecutionResult?
    /// The gate controller of the run, when it has one (execution and gate events).
    public var gates: GateController?
    /// Arbitrary extra data, as strings.
    public var metadata: [String: String]

    /// Creates a context. Only `event` is required.
    public init(
        event: HookEvent,
        dag: DAG? = nil,
        nodeName: String? = nil,
        nodeResult: NodeResult? = nil,
        error: (any Error)? = nil,
        executionResult: ExecutionResult? = nil,
        gates: GateController? = nil,
        metadata: [String: String] = [:]
    ) {
        self.event = event
        self.dag = dag
        self.nodeName = nodeName
        self.nodeIndex = nil
        self.nodeResult = nodeResult
        self.error = error
        self.executionResult = executionResult
        self.gates = gates
        self.metadata = metadata
    }

    /// Creates a node-level context that also carries the node's index in
    /// `dag` (see ``nodeIndex``).
    public init(
        event: HookEvent,
        dag: DAG?,
        nodeName: String,
        nodeIndex: Int,
        nodeResult: NodeResult? = nil,
        error: (any Error)? = nil,
        gates: GateController? = nil,
        metadata: [String: String] = [:]
    ) {
        self.init(
            event: event, dag: dag, nodeName: nodeName, nodeResult: nodeResult, error: error,
            gates: gates, metadata: metadata)
        self.nodeIndex = nodeIndex
    }
}
