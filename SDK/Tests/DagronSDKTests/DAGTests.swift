@_spi(DagronHost) import DagronSDK
import Testing

@Suite("DAG")
struct DAGTests {
    func dag(_ names: [String], _ edges: [(String, String)]) throws -> DAG {
        try DAG(nodes: names.map { DAGNode(name: $0) }, edges: edges.map { DAGEdge(from: $0.0, to: $0.1) })
    }

    @Test func readOnlyViewOfNodesAndEdges() throws {
        let graph = try dag(
            ["extract", "clean", "load", "report"],
            [("extract", "clean"), ("clean", "load"), ("extract", "report")])
        #expect(graph.nodeCount == 4)
        #expect(graph.edgeCount == 3)
        #expect(graph.nodeNames == ["extract", "clean", "load", "report"])
        #expect(graph.predecessors(of: "load") == ["clean"])
        #expect(graph.successors(of: "extract") == ["clean", "report"])
        #expect(graph.roots == ["extract"])
        #expect(graph.leaves == ["load", "report"])
        #expect(graph.descendants(of: "extract") == ["clean", "load", "report"])
        #expect(graph.ancestors(of: "load") == ["extract", "clean"])
        #expect(graph.contains("clean") && !graph.contains("nope"))
        #expect(graph.predecessors(of: "nope").isEmpty)
        #expect(graph.levels == [0, 1, 2, 1])
    }

    @Test func topologicalOrderIsStableAndValid() throws {
        let graph = try dag(["c", "a", "b", "d"], [("a", "d"), ("b", "d"), ("c", "a")])
        #expect(graph.topologicalOrder == ["c", "b", "a", "d"])
        let position = Dictionary(uniqueKeysWithValues: graph.topologicalOrder.enumerated().map { ($1, $0) })
        for edge in graph.edges { #expect(position[edge.from]! < position[edge.to]!) }
    }

    @Test func indexFindsEveryNameAndOnlyThose() throws {
        // Long (heap) names, short (inline) names, non-ASCII names, names that
        // differ in one byte, and enough of them for the table to probe.
        var names = (0..<5_000).map { "n\($0)" }
        names += ["", "é", "e\u{301}", "日本語のノード", String(repeating: "long-name-", count: 12)]
        names += (0..<200).map { "shared-prefix-of-a-rather-long-node-name-\($0)" }
        let graph = try DAG(nodes: names.map { DAGNode(name: $0) }, edges: [])
        for (index, name) in names.enumerated() { #expect(graph.index(of: name) == index) }
        for missing in ["n5000", "n-1", "long-name-", "shared-prefix-of-a-rather-long-node-name-200", "e", "ノード"] {
            #expect(graph.index(of: missing) == nil)
            #expect(!graph.contains(missing))
        }
    }

    @Test func rejectsDuplicateAmongManyNodes() {
        let names = (0..<3_000).map { "step-\($0)" } + ["step-1234"]
        #expect(throws: DAGError.duplicateNode("step-1234")) {
            try DAG(nodes: names.map { DAGNode(name: $0) }, edges: [])
        }
    }

    @Test func rejectsDuplicateNode() {
        #expect(throws: DAGError.duplicateNode("a")) { try dag(["a", "b", "a"], []) }
    }

    @Test func rejectsUnknownNodeNamingTheEdge() {
        let error = #expect(throws: DAGError.self) { try dag(["a"], [("a", "ghost")]) }
        #expect(error == .unknownNode("ghost", edge: DAGEdge(from: "a", to: "ghost")))
        #expect(error?.description == "edge a -> ghost refers to unknown node 'ghost'")
    }

    @Test func rejectsDuplicateEdge() {
        #expect(throws: DAGError.duplicateEdge(DAGEdge(from: "a", to: "b"))) {
            try dag(["a", "b"], [("a", "b"), ("a", "b")])
        }
    }

    @Test func cycleErrorShowsThePath() {
        let error = #expect(throws: DAGError.self) {
            try dag(
                ["start", "a", "b", "c", "end"],
                [("start", "a"), ("a", "b"), ("b", "c"), ("c", "a"), ("c", "end")])
        }
        guard case .cycle(let path) = error else {
            Issue.record("expected a cycle, got \(String(describing: error))")
            return
        }
        #expect(path.first == path.last)
        #expect(Set(path) == ["a", "b", "c"])
        #expect(path.count == 4)
        // Consecutive names are real edges.
        let edges: Set<String> = ["a>b", "b>c", "c>a"]
        for (from, to) in zip(path, path.dropFirst()) { #expect(edges.contains("\(from)>\(to)")) }
        #expect(error?.description.hasPrefix("cycle detected: ") == true)
    }

    @Test func cycleOfPredecessorListsIsTheOneTheDAGReports() {
        // 0 start, 1 a, 2 b, 3 c, 4 end: a after start and c, b after a, c after b, end after c.
        let predecessors = [[], [0, 3], [1], [2], [3]]
        #expect(DAG.cycle(predecessors: predecessors) == [1, 2, 3])
        #expect(DAG.cycle(predecessors: [[], [0], [1]]) == nil)
        #expect(DAG.cycle(predecessors: []) == nil)
        #expect(DAG.cycle(predecessors: [[0]]) == [0])
        // Indices outside the graph are no dependencies, never a crash.
        #expect(DAG.cycle(predecessors: [[7, -1], [0]]) == nil)
        #expect(DAG.cycle(predecessors: [[1, 9], [0]]) == [0, 1])
        // The same cycle, named, as the DAG's own error.
        let error = #expect(throws: DAGError.self) {
            try dag(
                ["start", "a", "b", "c", "end"], [("start", "a"), ("c", "a"), ("a", "b"), ("b", "c"), ("c", "end")])
        }
        #expect(error == .cycle(path: ["a", "b", "c", "a"]))
    }

    @Test func selfLoopIsACycle() {
        #expect(throws: DAGError.cycle(path: ["a", "a"])) { try dag(["a"], [("a", "a")]) }
    }

    @Test func longestPathFollowsTheHeaviestBranch() throws {
        let graph = try dag(
            ["root", "fast", "slow", "join"],
            [("root", "fast"), ("root", "slow"), ("fast", "join"), ("slow", "join")])
        let weights = ["root": 1.0, "fast": 1.0, "slow": 5.0, "join": 1.0]
        #expect(graph.longestPath { weights[$0]! } == ["root", "slow", "join"])
        #expect(try dag([], []).longestPath { _ in 1 }.isEmpty)
        // The index form agrees with the name form.
        let byIndex = graph.nodes.map { weights[$0.name]! }
        #expect(graph.longestPath(weights: byIndex).map { graph.nodes[$0].name } == ["root", "slow", "join"])
        #expect(try dag([], []).longestPath(weights: []).isEmpty)
    }

    @Test func nodeLevelContextCarriesTheIndex() throws {
        let graph = try dag(["a", "b"], [("a", "b")])
        let context = HookContext(event: .preNode, dag: graph, nodeName: "b", nodeIndex: 1)
        #expect(context.nodeIndex == 1 && context.nodeName == "b")
        #expect(HookContext(event: .preNode, nodeName: "b").nodeIndex == nil)
    }

    @Test func nodesKeepPayloadAndMetadata() throws {
        let graph = try DAG(nodes: [DAGNode(name: "a", payload: 42, metadata: ["kind": "run"])], edges: [])
        #expect(graph.node(named: "a")?.payload as? Int == 42)
        #expect(graph.node(named: "a")?.metadata["kind"] == "run")
    }
}
