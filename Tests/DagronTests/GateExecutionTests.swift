import Dagron
@_spi(DagronHost) import DagronSDK
import Testing

@Suite("Gate nodes")
struct GateExecutionTests {
    func gatedDAG() throws -> DAG {
        try makeDAG(["build", "review", "deploy"], [("build", "review"), ("review", "deploy")])
    }

    @Test func approvedGateLetsTheNodeRun() async throws {
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        let gates = GateController(["review": ApprovalGate(timeout: .seconds(30))])
        hooks.register(.gateWaiting) { ctx in try ctx.gates?.approve(ctx.nodeName!) }
        let dag = try gatedDAG()
        let result = await DAGExecutor(dag, hooks: hooks, gates: gates).execute(noopTasks(dag))
        #expect(result.isSuccess)
        #expect(
            events.all == [
                "pre_execute",
                "pre_node:build", "post_node:build:completed",
                "pre_node:review", "gate_waiting:review", "gate_resolved:review", "post_node:review:completed",
                "pre_node:deploy", "post_node:deploy:completed",
                "post_execute",
            ])
    }

    @Test func gateWithoutTaskCompletesOnApproval() async throws {
        let gates = GateController(["review": ApprovalGate()])
        let hooks = HookRegistry()
        hooks.register(.gateWaiting) { ctx in try ctx.gates?.approve("review") }
        let dag = try gatedDAG()
        let result = await DAGExecutor(dag, hooks: hooks, gates: gates).execute([
            "build": .sync { nil }, "deploy": .sync { nil },
        ])
        #expect(result["review"]?.status == .completed)
        #expect(result["deploy"]?.status == .completed)
    }

    @Test func rejectionFailsTheNodeAndSkipsDescendants() async throws {
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        let outcomes = Recorder<String>()
        hooks.register(.gateResolved) { outcomes.append("\($0.metadata["outcome"]!):\($0.metadata["reason"] ?? "")") }
        let gates = GateController(["review": ApprovalGate()])
        hooks.register(.gateWaiting) { ctx in try ctx.gates?.reject("review", reason: "not ready") }
        let dag = try gatedDAG()
        let result = await DAGExecutor(dag, hooks: hooks, gates: gates).execute(noopTasks(dag))
        #expect(result["review"]?.status == .failed)
        #expect(result["review"]?.errorMessage == "gate 'review' was rejected: not ready")
        #expect(result["deploy"]?.status == .skipped)
        #expect(outcomes.all == ["rejected:not ready"])
        #expect(events.all.contains("on_error:review:failed"))
    }

    @Test func gateTimeoutMarksTimedOut() async throws {
        let gates = GateController(["review": ApprovalGate(timeout: .milliseconds(50))])
        let dag = try gatedDAG()
        let result = await DAGExecutor(dag, gates: gates).execute(noopTasks(dag))
        #expect(result["review"]?.status == .timedOut)
        #expect(result["deploy"]?.status == .skipped)
    }

    @Test func waitingGateIsVisibleAndDoesNotHoldAWorker() async throws {
        // One worker: the gate waits while the independent node still runs.
        let dag = try makeDAG(["gate", "independent"], [])
        let gates = GateController(["gate": ApprovalGate()])
        let executor = DAGExecutor(dag, maxWorkers: 1, failFast: false, gates: gates)
        let run = Task { await executor.execute(["independent": .sync { nil }]) }
        #expect(await eventually { gates.waitingGates() == ["gate"] })
        try gates.approve("gate")
        let result = await run.value
        #expect(result["gate"]?.status == .completed)
        #expect(result["independent"]?.status == .completed)
    }

    @Test func cancellationReleasesAWaitingGate() async throws {
        let dag = try gatedDAG()
        let gates = GateController(["review": ApprovalGate()])
        let executor = DAGExecutor(dag, gates: gates)
        let run = Task { await executor.execute(noopTasks(dag)) }
        #expect(await eventually { gates.waitingGates() == ["review"] })
        executor.cancel()
        let result = await run.value
        #expect(result["review"]?.status == .cancelled)
        #expect(result["deploy"]?.status == .cancelled)
        #expect(result["build"]?.status == .completed)
    }
}
