/// Why a set of nodes and edges is not a valid DAG.
public enum DAGError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Two nodes share a name.
    case duplicateNode(String)
    /// An edge names a node that was never added.
    case unknownNode(String, edge: DAGEdge)
    /// The same edge was added twice.
    case duplicateEdge(DAGEdge)
    /// The edges form a cycle. `path` starts and ends with the same node,
    /// for example `["a", "b", "c", "a"]`.
    case cycle(path: [String])

    /// A sentence a user can act on.
    public var description: String {
        switch self {
        case .duplicateNode(let name):
            "duplicate node '\(name)': node names must be unique"
        case .unknownNode(let name, let edge):
            "edge \(edge) refers to unknown node '\(name)'"
        case .duplicateEdge(let edge):
            "duplicate edge \(edge)"
        case .cycle(let path):
            "cycle detected: \(path.joined(separator: " -> "))"
        }
    }
}
