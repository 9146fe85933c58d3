/// A callback threw while an event was being fired.
///
/// ``HookRegistry`` catches the error so that the other callbacks and the
/// caller go on, and hands a `HookWarning` to the registry's warning handler
/// (by default, a line on standard error).
@_spi(DagronHost) public struct HookWarning: Sendable, CustomStringConvertible {
    /// The event being fired.
    public let event: HookEvent
    /// The owner of the callback (a plugin's name), when it was registered
    /// through a scoped registry.
    public let owner: String?
    /// What the callback threw.
    public let error: any Error

    /// Creates a warning.
    public init(event: HookEvent, owner: String?, error: any Error) {
        self.event = event
        self.owner = owner
        self.error = error
    }

    /// One line: `hook for pre_node (plugin 'x') threw: <error>`.
    public var description: String {
        let who = owner.map { " (plugin '\($0)')" } ?? ""
        return "hook for \(event.rawValue)\(who) threw: \(String(describing: error))"
    }
}
