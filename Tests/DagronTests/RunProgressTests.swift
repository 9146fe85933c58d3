import Dagron
@_spi(DagronHost) import DagronSDK
import Testing

/// `RunProgress` records from hook events which nodes started and ended, by
/// node index where the event has one and by name where it has not, and
/// gives the result of a run that cannot finish.
@Suite("RunProgress")
struct RunProgressTests {
    private func dag(_ names: [String]) throws -> DAG {
        var builder = DAGBuilder()
        for name in names { builder = builder.addNode(name) }
        return try builder.build()
    }

    @Test func endedStartedAndUnstartedNodesEachGetTheirResult() throws {
        let hooks = HookRegistry()
        let progress = RunProgress()
        progress.attach(to: hooks)
        let dag = try dag(["a", "b", "c", "d"])
        let events = NodeEventEmitter(hooks: hooks, dag: dag, gates: nil)
        events.fire(.preNode, nodeName: "a", nodeIndex: 0)
        events.fire(
            .postNode, nodeName: "a", nodeIndex: 0,
            nodeResult: NodeResult(name: "a", status: .completed, durationSeconds: 0.5, attempts: 1))
        events.fire(.preNode, nodeName: "c", nodeIndex: 2)
        events.fire(
            .nodeSkipped, nodeName: "d", nodeIndex: 3,
            nodeResult: NodeResult(name: "d", status: .skipped, skipReason: "upstream failed"))

        let result = progress.result(nodes: ["a", "b", "c", "d"])
        #expect(result.wasCancelled)
        #expect(result.results.map(\.name) == ["a", "b", "c", "d"])
        #expect(result.results.map(\.status) == [.completed, .cancelled, .cancelled, .skipped])
        #expect(result.results[0].durationSeconds == 0.5)
        // Never started: no time, no start.
        #expect(result.results[1].startedAt == nil)
        #expect(result.results[1].attempts == 0)
        // Started, never ended: cancelled with the time it ran until now.
        let started = try #require(result.results[2].startedAt)
        let finished = try #require(result.results[2].finishedAt)
        #expect(started <= finished)
        #expect(result.results[2].durationSeconds >= 0)
        #expect(result.results[2].attempts == 1)
        #expect(result.results[2].error is NodeCancelledError)
    }

    @Test func eventsWithoutAnIndexOrWithAStrayOneAreRecordedByName() throws {
        let hooks = HookRegistry()
        let progress = RunProgress()
        progress.attach(to: hooks)
        let dag = try dag(["a", "b"])
        // No index at all.
        hooks.fire(
            HookContext(
                event: .postNode, dag: dag, nodeName: "b",
                nodeResult: NodeResult(name: "b", status: .failed, durationSeconds: 1, attempts: 2)))
        // An index beyond the DAG, and one naming another node than its slot's.
        let events = NodeEventEmitter(hooks: hooks, dag: dag, gates: nil)
        events.fire(.preNode, nodeName: "x", nodeIndex: 7)
        events.fire(
            .postNode, nodeName: "y", nodeIndex: 0,
            nodeResult: NodeResult(name: "y", status: .completed, durationSeconds: 2, attempts: 1))

        let result = progress.result(nodes: ["a", "b", "x", "y"])
        #expect(result.results.map(\.status) == [.cancelled, .failed, .cancelled, .completed])
        #expect(result.results[0].startedAt == nil, "node a's slot was not touched by node y's event")
        #expect(result.results[1].attempts == 2)
        #expect(result.results[2].startedAt != nil)
        #expect(result.results[3].durationSeconds == 2)
    }

    @Test func aNodeStartedTwiceKeepsItsFirstStart() throws {
        let hooks = HookRegistry()
        let progress = RunProgress()
        progress.attach(to: hooks)
        let events = NodeEventEmitter(hooks: hooks, dag: try dag(["a"]), gates: nil)
        events.fire(.preNode, nodeName: "a", nodeIndex: 0)
        let first = try #require(progress.result(nodes: ["a"]).results[0].startedAt)
        events.fire(.preNode, nodeName: "a", nodeIndex: 0)
        #expect(progress.result(nodes: ["a"]).results[0].startedAt == first)
    }
}
