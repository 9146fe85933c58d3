@_spi(DagronHost) public import DagronSDK

/// Collects nodes and edges and builds a validated ``DAG``.
///
/// ```swift
/// let builder = DAGBuilder(hooks: hooks)
/// builder.addNode("extract").addNode("load").addEdge("extract", "load")
/// let dag = try builder.build()
/// ```
///
/// With a ``HookRegistry``, ``build()`` fires `pre_build` with the nodes
/// declared so far (no edges yet) and, on success, `post_build` with the
/// complete DAG.
public final class DAGBuilder {
    /// Where `pre_build` and `post_build` are fired, if anywhere.
    public var hooks: HookRegistry?
    private var nodes: [DAGNode] = []
    private var edges: [DAGEdge] = []

    /// Creates an empty builder.
    public init(hooks: HookRegistry? = nil) {
        self.hooks = hooks
    }

    /// The number of nodes added so far.
    public var nodeCount: Int { nodes.count }

    /// Adds a node. Duplicates are reported by ``build()``.
    @discardableResult
    public func addNode(_ name: String, payload: (any Sendable)? = nil, metadata: [String: String] = [:]) -> DAGBuilder
    {
        nodes.append(DAGNode(name: name, payload: payload, metadata: metadata))
        return self
    }

    /// Adds an edge: `to` depends on `from`. Unknown names are reported by ``build()``.
    @discardableResult
    public func addEdge(_ from: String, _ to: String) -> DAGBuilder {
        edges.append(DAGEdge(from: from, to: to))
        return self
    }

    /// Makes `node` depend on each of `dependencies`.
    @discardableResult
    public func addDependencies(of node: String, on dependencies: [String]) -> DAGBuilder {
        for dependency in dependencies { addEdge(dependency, node) }
        return self
    }

    /// Validates what was added and returns the DAG.
    ///
    /// - Throws: ``DAGError``: a duplicate node, an edge naming an unknown
    ///   node, a duplicate edge, or a cycle (its message shows the path).
    public func build() throws(DAGError) -> DAG {
        if let hooks {
            hooks.fire(HookContext(event: .preBuild, dag: partialDAG(), metadata: ["partial": "true"]))
        }
        let dag = try DAG(nodes: nodes, edges: edges)
        hooks?.fire(HookContext(event: .postBuild, dag: dag))
        return dag
    }

    /// The distinct nodes declared so far, without edges: always a valid DAG.
    private func partialDAG() -> DAG {
        var seen = Set<String>()
        let unique = nodes.filter { seen.insert($0.name).inserted }
        // Distinct names and no edges cannot fail validation.
        return try! DAG(nodes: unique, edges: [])
    }
}
