import Dagron
@_spi(DagronHost) import DagronSDK
import Testing

@Suite("DAGBuilder")
struct DAGBuilderTests {
    @Test func buildsWithChainedCalls() throws {
        let dag = try DAGBuilder().addNode("a").addNode("b", payload: "x", metadata: ["k": "v"]).addEdge("a", "b")
            .build()
        #expect(dag.nodeNames == ["a", "b"])
        #expect(dag.successors(of: "a") == ["b"])
        #expect(dag.node(named: "b")?.payload as? String == "x")
        #expect(dag.node(named: "b")?.metadata == ["k": "v"])
    }

    @Test func firesPreBuildWithPartialAndPostBuildWithCompleteDAG() throws {
        let hooks = HookRegistry()
        let seen = Recorder<String>()
        hooks.register(.preBuild) { ctx in
            seen.append("pre:\(ctx.dag!.nodeCount):\(ctx.dag!.edgeCount):\(ctx.metadata["partial"] ?? "")")
        }
        hooks.register(.postBuild) { ctx in seen.append("post:\(ctx.dag!.nodeCount):\(ctx.dag!.edgeCount)") }
        let builder = DAGBuilder(hooks: hooks)
        builder.addNode("a").addNode("b").addNode("c").addEdge("a", "b").addDependencies(of: "c", on: ["a", "b"])
        let dag = try builder.build()
        #expect(dag.edgeCount == 3)
        #expect(seen.all == ["pre:3:0:true", "post:3:3"])
    }

    @Test func failedBuildFiresNoPostBuild() {
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        #expect(throws: DAGError.cycle(path: ["a", "b", "a"])) {
            try makeDAG(["a", "b"], [("a", "b"), ("b", "a")], hooks: hooks)
        }
        #expect(events.all == ["pre_build"])
    }

    @Test func typedErrors() {
        #expect(throws: DAGError.duplicateNode("a")) { try makeDAG(["a", "a"], []) }
        #expect(throws: DAGError.unknownNode("z", edge: DAGEdge(from: "a", to: "z"))) {
            try makeDAG(["a"], [("a", "z")])
        }
        let cycle = #expect(throws: DAGError.self) {
            try makeDAG(["x", "y", "z"], [("x", "y"), ("y", "z"), ("z", "x")])
        }
        #expect(cycle?.description.contains(" -> ") == true)
    }
}
