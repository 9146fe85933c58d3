/// The handle ``HookRegistry/register(_:priority:_:)`` returns.
///
/// Calling it (or ``unregister()``) removes the callback. Doing so more than
/// once is harmless, and it is safe from any thread, including from inside the
/// callback itself.
///
/// ```swift
/// let unregister = hooks.register(.preNode) { ctx in print(ctx.nodeName ?? "") }
/// unregister()
/// ```
public struct HookRegistration: Sendable, Hashable {
    /// The event the callback was registered for.
    public let event: HookEvent
    let id: UInt64
    let storage: HookStorage

    init(event: HookEvent, id: UInt64, storage: HookStorage) {
        self.event = event
        self.id = id
        self.storage = storage
    }

    /// Removes the callback. Idempotent.
    public func unregister() {
        storage.remove(id: id, event: event)
    }

    /// Removes the callback. Idempotent. Same as ``unregister()``.
    public func callAsFunction() {
        unregister()
    }

    /// Whether the callback is still registered.
    public var isRegistered: Bool {
        storage.contains(id: id, event: event)
    }

    public static func == (lhs: HookRegistration, rhs: HookRegistration) -> Bool {
        lhs.id == rhs.id && lhs.storage === rhs.storage
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(ObjectIdentifier(storage))
    }
}
