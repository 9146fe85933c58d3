import Dagron
@_spi(DagronHost) import DagronSDK
import Synchronization
import Testing

@Suite("Concurrency: executor and hooks")
struct ExecutorConcurrencyTests {
    /// Wide and deep DAGs with many workers: events of one run must never
    /// overlap, and ordering guarantees must hold.
    @Test(arguments: [1, 2, 8])
    func eventsOfOneRunNeverOverlap(workers: Int) async throws {
        let names = ["root"] + (0..<200).map { "leaf\($0)" } + ["join"]
        var edges = (0..<200).map { ("root", "leaf\($0)") }
        edges += (0..<200).map { ("leaf\($0)", "join") }
        let dag = try makeDAG(names, edges)
        let hooks = HookRegistry()
        let inside = Atomic<Int>(0)
        let overlaps = Atomic<Int>(0)
        let order = Recorder<String>()
        for event in HookEvent.allCases {
            hooks.register(event) { ctx in
                if inside.add(1, ordering: .sequentiallyConsistent).newValue != 1 {
                    overlaps.add(1, ordering: .relaxed)
                }
                order.append("\(ctx.event.rawValue):\(ctx.nodeName ?? "")")
                inside.subtract(1, ordering: .sequentiallyConsistent)
            }
        }
        let result = await DAGExecutor(dag, hooks: hooks, maxWorkers: workers).execute(noopTasks(dag))
        #expect(result.succeeded == 202)
        let overlapsValue = overlaps.load(ordering: .relaxed)
        #expect(overlapsValue == 0)
        let events = order.all
        #expect(events.first == "pre_execute:")
        #expect(events.last == "post_execute:")
        let rootDone = events.firstIndex(of: "post_node:root")!
        let firstLeaf = events.firstIndex { $0.hasPrefix("pre_node:leaf") }!
        #expect(rootDone < firstLeaf)
        let joinStart = events.firstIndex(of: "pre_node:join")!
        #expect(events.lastIndex { $0.hasPrefix("post_node:leaf") }! < joinStart)
    }

    @Test func concurrentExecutionsShareOneRegistry() async throws {
        let hooks = HookRegistry()
        let completed = Atomic<Int>(0)
        hooks.register(.postNode) { _ in completed.add(1, ordering: .relaxed) }
        let dag = try makeDAG((0..<50).map { "n\($0)" }, (1..<50).map { ("n\($0 - 1)", "n\($0)") })
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let result = await DAGExecutor(dag, hooks: hooks, maxWorkers: 2).execute(noopTasks(dag))
                    #expect(result.succeeded == 50)
                }
            }
        }
        let completedValue = completed.load(ordering: .relaxed)
        #expect(completedValue == 200)
    }

    @Test func registeringAndCancellingDuringExecution() async throws {
        let dag = try makeDAG((0..<500).map { "n\($0)" }, [])
        let hooks = HookRegistry()
        let executor = DAGExecutor(dag, hooks: hooks, maxWorkers: 4)
        hooks.register(.postNode) { ctx in
            let handle = hooks.register(.preNode) { _ in }
            handle()
            if ctx.nodeName == "n250" { executor.cancel() }
        }
        let result = await executor.execute(noopTasks(dag))
        #expect(result.wasCancelled)
        #expect(result.nodeResults.count == 500)
        #expect(result.succeeded + result.cancelled == 500)
        #expect(hooks.hookCount() == 1)
    }
}
