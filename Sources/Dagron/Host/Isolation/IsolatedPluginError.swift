/// An error as an isolated plugin sees it: the host's error, carried across
/// the process boundary as its description.
///
/// `String(describing:)` gives exactly the text the same plugin would get
/// in-process; the error's type is not preserved.
public struct IsolatedPluginError: Error, Sendable, CustomStringConvertible {
    /// The original error's description.
    public let description: String

    /// Creates an error with `description`.
    public init(description: String) {
        self.description = description
    }
}
