/// One node of a ``DAG``: a unique name plus optional user data.
public struct DAGNode: Sendable {
    /// The node's unique name.
    public let name: String
    /// Arbitrary data attached by whoever built the DAG (for `dagron run`, the
    /// node's pipeline definition).
    public let payload: (any Sendable)?
    /// Free-form string metadata (for `dagron run`: `kind` = `run` or `gate`,
    /// `command`, ...).
    public let metadata: [String: String]

    /// Creates a node.
    public init(name: String, payload: (any Sendable)? = nil, metadata: [String: String] = [:]) {
        self.name = name
        self.payload = payload
        self.metadata = metadata
    }
}

/// A dependency: `to` runs only after `from` completed.
public struct DAGEdge: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The node that must finish first.
    public let from: String
    /// The node that depends on it.
    public let to: String

    /// Creates an edge `from -> to`.
    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    /// `from -> to`.
    public var description: String { "\(from) -> \(to)" }
}
