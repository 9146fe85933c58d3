/// An executor could not do what the host asked (submit, poll, cancel), in words.
public struct ClusterJobError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The explanation, starting with the executor's name when it has one.
    public let description: String

    /// Creates an error with `description`.
    public init(_ description: String) {
        self.description = description
    }
}
