/// A node's attempt ran longer than its timeout.
public struct NodeTimeoutError: Error, Sendable, CustomStringConvertible {
    /// The node.
    public let node: String
    /// The timeout, in seconds.
    public let seconds: Double
    /// `node 'x' timed out after 2.0s`.
    public var description: String { "node '\(node)' timed out after \(seconds)s" }
}

/// The execution was cancelled while the node was running or before it started.
public struct NodeCancelledError: Error, Sendable, CustomStringConvertible {
    /// The node.
    public let node: String
    /// `node 'x' was cancelled`.
    public var description: String { "node '\(node)' was cancelled" }
}
