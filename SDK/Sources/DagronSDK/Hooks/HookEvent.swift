/// A point in the life of a DAG at which hooks run.
///
/// The first seven cases are the lifecycle events of the original dagron
/// "Plugins & Hooks" API, with the same raw values. The remaining cases are
/// dagron additions that make skipped nodes and approval-gate waits visible to
/// plugins (a dashboard needs both).
///
/// | Event | Fires when | Context fields |
/// |---|---|---|
/// | ``preBuild`` | a `DAGBuilder` starts building | `dag` (the nodes declared so far, no edges yet) |
/// | ``postBuild`` | a `DAGBuilder` finished building | `dag` (complete) |
/// | ``preExecute`` | execution begins | `dag`, `gates` |
/// | ``postExecute`` | execution completes | `dag`, `executionResult`, `gates` |
/// | ``preNode`` | a node is about to run | `dag`, `nodeName` |
/// | ``postNode`` | a node completed | `dag`, `nodeName`, `nodeResult` |
/// | ``onError`` | a node failed, timed out, was rejected at its gate, or was cancelled while running (Ctrl-C, fail-fast, `cancel()`) | `dag`, `nodeName`, `nodeResult` (its `status` says which), `error` |
/// | ``nodeSkipped`` | a node will not run (failed ancestor, missing task, cancellation) | `dag`, `nodeName`, `nodeResult` |
/// | ``gateWaiting`` | a gate node starts waiting for approval | `dag`, `nodeName`, `gates` |
/// | ``gateResolved`` | a gate was approved, rejected or timed out | `dag`, `nodeName`, `gates`, `metadata["outcome"]` |
///
/// A node that runs fires ``preNode`` and then exactly one of ``postNode`` or
/// ``onError`` (a node cancelled while it runs ends with ``onError``, its
/// result's status `cancelled`). A node that never runs fires ``nodeSkipped`` only.
public enum HookEvent: String, Sendable, Hashable, CaseIterable, Codable {
    /// A `DAGBuilder` starts building. Raw value `pre_build`.
    case preBuild = "pre_build"
    /// A `DAGBuilder` finished building. Raw value `post_build`.
    case postBuild = "post_build"
    /// Execution begins. Raw value `pre_execute`.
    case preExecute = "pre_execute"
    /// Execution completes, whatever its outcome. Raw value `post_execute`.
    case postExecute = "post_execute"
    /// A node is about to run. Raw value `pre_node`.
    case preNode = "pre_node"
    /// A node completed successfully. Raw value `post_node`.
    case postNode = "post_node"
    /// A node failed, timed out, was rejected at its gate, or was cancelled
    /// while it ran (the result's `status` says which). Raw value `on_error`.
    case onError = "on_error"
    /// A node will not run: an ancestor failed, its task is missing, or the run
    /// was cancelled before it started. Raw value `node_skipped`.
    case nodeSkipped = "node_skipped"
    /// A gate node started waiting for approval. Raw value `gate_waiting`.
    case gateWaiting = "gate_waiting"
    /// A gate was approved, rejected or timed out. Raw value `gate_resolved`.
    case gateResolved = "gate_resolved"

    /// The seven lifecycle events of the original API, in lifecycle order.
    public static let lifecycle: [HookEvent] = [
        .preBuild, .postBuild, .preExecute, .preNode, .postNode, .onError, .postExecute,
    ]

    /// A dense index used for per-event storage.
    @usableFromInline var slot: Int {
        switch self {
        case .preBuild: 0
        case .postBuild: 1
        case .preExecute: 2
        case .postExecute: 3
        case .preNode: 4
        case .postNode: 5
        case .onError: 6
        case .nodeSkipped: 7
        case .gateWaiting: 8
        case .gateResolved: 9
        }
    }

    /// The number of distinct events (size of per-event storage).
    @inlinable static var slotCount: Int { 10 }
}
