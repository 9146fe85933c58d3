import Dagron
@_spi(DagronHost) import DagronSDK
import Dispatch

/// `extract -> approve (gate) -> deploy`, executed by the real engine. The
/// `extract` task blocks until ``releaseExtract()``, so a test can look at
/// the state while a node is running. The gate node carries ``question`` as
/// its `message` metadata, as `dagron run` sets it from the pipeline file.
struct GatedPipeline: Sendable {
    /// The gate's question (with characters HTML and JSON must escape).
    static let question = "Deploy build 42 to <prod> & tell \"ops\"?"

    let dag: DAG
    let gates: GateController
    let executor: DAGExecutor
    private let latch = DispatchSemaphore(value: 0)

    init(hooks: HookRegistry) throws {
        dag = try DAG(
            nodes: [
                DAGNode(name: "extract"),
                DAGNode(name: "approve", metadata: ["kind": "gate", "message": Self.question]), DAGNode(name: "deploy"),
            ],
            edges: [DAGEdge(from: "extract", to: "approve"), DAGEdge(from: "approve", to: "deploy")])
        gates = GateController(["approve": ApprovalGate(timeout: .seconds(120))])
        executor = DAGExecutor(dag, hooks: hooks, maxWorkers: 2, gates: gates)
    }

    /// Lets `extract` finish.
    func releaseExtract() { latch.signal() }

    /// Starts the execution in the background.
    func start() -> Task<ExecutionResult, Never> {
        let latch = self.latch
        let executor = self.executor
        return Task {
            await executor.execute([
                "extract": .sync {
                    latch.wait()
                    return "rows"
                },
                "deploy": .sync { "deployed" },
            ])
        }
    }
}

/// Waits for a run with a generous timeout.
func finish(_ run: Task<ExecutionResult, Never>, within timeout: Duration = .seconds(60)) async throws
    -> ExecutionResult
{
    try await withThrowingTaskGroup(of: ExecutionResult?.self) { group in
        group.addTask { await run.value }
        group.addTask {
            try await Task.sleep(for: timeout)
            run.cancel()  // so the other child (and the group) can end
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw DashboardSession.SessionError(description: "the run did not finish within \(timeout)")
        }
        return result
    }
}
