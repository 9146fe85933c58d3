/// An immutable, validated directed acyclic graph of named nodes.
///
/// Hooks see the DAG being built or executed through ``HookContext/dag``. It
/// is read-only and safe to share between threads.
///
/// Nodes keep the order in which they were added; ``topologicalOrder`` is
/// stable (among ready nodes, the earlier-added comes first). Every node also
/// has an integer *index*, its position in ``nodeNames``, for code that wants
/// to avoid string lookups.
public final class DAG: Sendable, CustomStringConvertible {
    /// The nodes, in the order they were added.
    public let nodes: [DAGNode]
    /// The edges, in the order they were added.
    public let edges: [DAGEdge]
    /// Node names in the order they were added (index `i` names `nodes[i]`).
    public let nodeNames: [String]
    private let nameIndex: NodeNameIndex
    /// `successorIndexLists[i]`: the indices of the successors of the node at
    /// index `i` (the host's; plugins use ``successorIndices(of:)``).
    @_spi(DagronHost) public let successorIndexLists: [[Int]]
    /// `predecessorIndexLists[i]`: the indices of the predecessors of the node
    /// at index `i` (the host's; plugins use ``predecessorIndices(of:)``).
    @_spi(DagronHost) public let predecessorIndexLists: [[Int]]
    /// Node indices in a topological order (the host's; plugins use ``topologicalOrder``).
    @_spi(DagronHost) public let topologicalIndices: [Int]

    /// Builds and validates a DAG.
    ///
    /// - Throws: ``DAGError`` for a duplicate node, an edge to an unknown
    ///   node, a duplicate edge, or a cycle (whose path the error shows).
    public init(nodes: [DAGNode], edges: [DAGEdge]) throws(DAGError) {
        let nodeNames = nodes.map { $0.name }
        let nameIndex: NodeNameIndex
        switch NodeNameIndex.build(nodeNames) {
        case .success(let index): nameIndex = index
        case .failure(let duplicate): throw .duplicateNode(duplicate.name)
        }
        var successors = Array(repeating: [Int](), count: nodes.count)
        var predecessors = Array(repeating: [Int](), count: nodes.count)
        var seenEdges = Set<DAGEdge>()
        seenEdges.reserveCapacity(edges.count)
        for edge in edges {
            guard let from = nameIndex.index(of: edge.from, in: nodeNames) else {
                throw .unknownNode(edge.from, edge: edge)
            }
            guard let to = nameIndex.index(of: edge.to, in: nodeNames) else { throw .unknownNode(edge.to, edge: edge) }
            guard seenEdges.insert(edge).inserted else { throw .duplicateEdge(edge) }
            successors[from].append(to)
            predecessors[to].append(from)
        }
        self.nodes = nodes
        self.edges = edges
        self.nodeNames = nodeNames
        self.nameIndex = nameIndex
        self.successorIndexLists = successors
        self.predecessorIndexLists = predecessors
        self.topologicalIndices = try Self.topologicalSort(
            nodes: nodes, successors: successors, predecessors: predecessors)
    }

    /// Kahn's algorithm; on failure, the cycle ``cycle(predecessors:)`` finds.
    private static func topologicalSort(
        nodes: [DAGNode], successors: [[Int]], predecessors: [[Int]]
    ) throws(DAGError) -> [Int] {
        let (order, remaining) = kahnOrder(successors: successors, predecessors: predecessors)
        guard let loop = loop(remaining: remaining, predecessors: predecessors) else { return order }
        let names = loop.map { nodes[$0].name }
        throw .cycle(path: names + [names[0]])
    }

    /// One dependency cycle of the graph in which node `i` runs after the
    /// nodes `predecessors[i]` (indices), or `nil` when there is none: the
    /// cycle's node indices in run order, starting at the smallest index
    /// (the path closes back to it). This is the cycle ``init(nodes:edges:)``
    /// reports as ``DAGError/cycle(path:)``, for hosts that check a graph
    /// before building it (a pipeline file's `after` lists).
    @_spi(DagronHost) public static func cycle(predecessors: [[Int]]) -> [Int]? {
        // An index outside the graph is no dependency.
        let predecessors = predecessors.map { list in list.filter { predecessors.indices.contains($0) } }
        var successors = Array(repeating: [Int](), count: predecessors.count)
        for (node, list) in predecessors.enumerated() {
            for predecessor in list { successors[predecessor].append(node) }
        }
        let remaining = kahnOrder(successors: successors, predecessors: predecessors).remaining
        return loop(remaining: remaining, predecessors: predecessors)
    }

    /// A topological order of the nodes Kahn's algorithm can place, and
    /// each node's count of predecessors left unplaced (non-zero on a cycle
    /// or downstream of one).
    private static func kahnOrder(successors: [[Int]], predecessors: [[Int]]) -> (order: [Int], remaining: [Int]) {
        var inDegree = predecessors.map { $0.count }
        var order: [Int] = []
        order.reserveCapacity(predecessors.count)
        for index in predecessors.indices where inDegree[index] == 0 { order.append(index) }
        var head = 0
        while head < order.count {
            let current = order[head]
            head += 1
            for next in successors[current] {
                inDegree[next] -= 1
                if inDegree[next] == 0 { order.append(next) }
            }
        }
        return (order, inDegree)
    }

    /// Walks predecessors inside the unplaced subgraph: every unplaced node
    /// has an unplaced predecessor, so the walk must revisit a node, and that
    /// loop is a cycle. In run order, from its smallest index; `nil` when
    /// every node was placed.
    private static func loop(remaining: [Int], predecessors: [[Int]]) -> [Int]? {
        guard var current = remaining.firstIndex(where: { $0 > 0 }) else { return nil }
        var position: [Int: Int] = [:]
        var walk: [Int] = []
        while position[current] == nil {
            position[current] = walk.count
            walk.append(current)
            guard let next = predecessors[current].first(where: { remaining[$0] > 0 }) else { return nil }
            current = next
        }
        guard let start = position[current] else { return nil }
        let loop = Array(walk[start...].reversed())
        guard let first = loop.indices.min(by: { loop[$0] < loop[$1] }) else { return nil }
        return Array(loop[first...] + loop[..<first])
    }

    // MARK: Names

    /// The number of nodes.
    public var nodeCount: Int { nodes.count }
    /// The number of edges.
    public var edgeCount: Int { edges.count }
    /// Whether a node called `name` exists.
    public func contains(_ name: String) -> Bool { index(of: name) != nil }
    /// The node called `name`, if any.
    public func node(named name: String) -> DAGNode? { index(of: name).map { nodes[$0] } }
    /// The names of the nodes `name` depends on (empty for an unknown name).
    public func predecessors(of name: String) -> [String] {
        guard let index = self.index(of: name) else { return [] }
        return predecessorIndexLists[index].map { nodeNames[$0] }
    }
    /// The names of the nodes that depend on `name` (empty for an unknown name).
    public func successors(of name: String) -> [String] {
        guard let index = self.index(of: name) else { return [] }
        return successorIndexLists[index].map { nodeNames[$0] }
    }
    /// Node names in a topological order: every node after all its predecessors.
    public var topologicalOrder: [String] { topologicalIndices.map { nodeNames[$0] } }
    /// Nodes without predecessors.
    public var roots: [String] { nodes.indices.filter { predecessorIndexLists[$0].isEmpty }.map { nodeNames[$0] } }
    /// Nodes without successors.
    public var leaves: [String] { nodes.indices.filter { successorIndexLists[$0].isEmpty }.map { nodeNames[$0] } }

    /// Every node reachable from `name` by following edges forward.
    public func descendants(of name: String) -> Set<String> {
        guard let start = index(of: name) else { return [] }
        return Set(reachable(from: start, along: successorIndexLists).map { nodeNames[$0] })
    }

    /// Every node from which `name` can be reached.
    public func ancestors(of name: String) -> Set<String> {
        guard let start = index(of: name) else { return [] }
        return Set(reachable(from: start, along: predecessorIndexLists).map { nodeNames[$0] })
    }

    private func reachable(from start: Int, along adjacency: [[Int]]) -> [Int] {
        var seen = Array(repeating: false, count: nodes.count)
        var stack = adjacency[start]
        var found: [Int] = []
        while let next = stack.popLast() {
            if seen[next] { continue }
            seen[next] = true
            found.append(next)
            stack.append(contentsOf: adjacency[next])
        }
        return found
    }

    /// The dependency level of every node: 0 for roots, otherwise one more
    /// than the deepest predecessor. Indexed like ``nodes``.
    public var levels: [Int] {
        var level = Array(repeating: 0, count: nodes.count)
        for index in topologicalIndices {
            for next in successorIndexLists[index] { level[next] = max(level[next], level[index] + 1) }
        }
        return level
    }

    /// The heaviest path through the DAG, where a path's weight is the sum of
    /// its nodes' weights (for example their durations: the critical path).
    ///
    /// - Returns: Node names from a root to a leaf; empty for an empty DAG.
    public func longestPath(weight: (String) -> Double) -> [String] {
        longestPath(weights: nodeNames.map(weight)).map { nodeNames[$0] }
    }

    /// The heaviest path through the DAG, with `weights[i]` the weight of the
    /// node at index `i` of ``nodes``.
    ///
    /// - Precondition: `weights.count == nodeCount`.
    /// - Returns: Node indices from a root to a leaf; empty for an empty DAG.
    public func longestPath(weights: [Double]) -> [Int] {
        precondition(weights.count == nodes.count, "longestPath(weights:) needs one weight per node")
        guard !nodes.isEmpty else { return [] }
        var best = Array(repeating: 0.0, count: nodes.count)
        var via = Array(repeating: -1, count: nodes.count)
        for index in topologicalIndices {
            var bestPredecessor = -1
            var bestWeight = 0.0
            for predecessor in predecessorIndexLists[index] where bestPredecessor < 0 || best[predecessor] > bestWeight
            {
                bestPredecessor = predecessor
                bestWeight = best[predecessor]
            }
            via[index] = bestPredecessor
            best[index] = bestWeight + weights[index]
        }
        var end = 0
        for index in nodes.indices where best[index] > best[end] { end = index }
        var path: [Int] = []
        var current = end
        while current >= 0 {
            path.append(current)
            current = via[current]
        }
        return path.reversed()
    }

    // MARK: Indices

    /// The index of the node called `name`.
    public func index(of name: String) -> Int? { nameIndex.index(of: name, in: nodeNames) }
    /// The indices of the predecessors of the node at `index`.
    public func predecessorIndices(of index: Int) -> [Int] { predecessorIndexLists[index] }
    /// The indices of the successors of the node at `index`.
    public func successorIndices(of index: Int) -> [Int] { successorIndexLists[index] }

    /// `DAG(<n> nodes, <m> edges)`.
    public var description: String { "DAG(\(nodeCount) nodes, \(edgeCount) edges)" }
}
