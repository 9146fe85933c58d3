/// The event bus: callbacks registered per ``HookEvent``, fired with a
/// ``HookContext``.
///
/// ```swift
/// let hooks = HookRegistry()
/// let unregister = hooks.register(.preNode, priority: 100) { ctx in
///     print("starting", ctx.nodeName ?? "?")
/// }
/// hooks.fire(HookContext(event: .preNode, nodeName: "extract"))
/// unregister()
/// ```
///
/// ## Order
/// Callbacks of one event run in descending ``register(_:priority:_:)``
/// priority; equal priorities run in registration order.
///
/// ## Error isolation
/// A callback that throws never stops the other callbacks or the caller of
/// ``fire(_:)``: the error becomes a warning the host shows, naming the
/// plugin (by default one line on standard error).
///
/// ## Threading contract
/// - Every method is safe to call from any thread at any time, including
///   registering, unregistering or firing from inside a callback.
/// - ``fire(_:)`` runs the callbacks on the calling thread, one after the
///   other, without holding any lock. It works on a snapshot taken when it
///   starts: a callback registered or removed meanwhile takes effect from the
///   next `fire`.
/// - The registry itself does not serialize concurrent `fire` calls: two
///   threads firing at once run callbacks at the same time. The dagron
///   executor, however, delivers the events of one execution one at a time:
///   **callbacks never run concurrently for events of the same run**, and a
///   node's `pre_node` comes before its `post_node`/`on_error`, which come
///   before any successor's `pre_node`. Callbacks of different runs sharing
///   one registry may overlap, and callbacks must be `@Sendable`, so keep
///   mutable plugin state behind a `Mutex`.
///
/// ## The host's view
/// The registry a plugin receives in ``DagronPlugin/initialize(hooks:)`` is
/// the host's view for that plugin: what it registers is tagged with the
/// plugin's name, so the host can count and remove a plugin's hooks as a
/// group, and watch its callbacks for a hang.
public final class HookRegistry: Sendable {
    let storage: HookStorage
    /// What `fire` needs of `storage`, held without reference counting
    /// (reading a class reference in inlinable code retains it); `storage`
    /// keeps both alive.
    @usableFromInline let fireState: HookFireState
    @usableFromInline let unretainedStorage: Unmanaged<HookStorage>
    /// The owner that registrations through this view are tagged with, or
    /// `nil` for the registry itself.
    @_spi(DagronHost) public let owner: String?
    /// The watch that registrations through this view report to, or `nil`.
    @_spi(DagronHost) public let watch: HookCallbackWatch?

    /// Creates an empty registry whose warnings go to standard error.
    public init() {
        storage = HookStorage()
        fireState = storage.fireState
        unretainedStorage = Unmanaged.passUnretained(storage)
        owner = nil
        watch = nil
    }

    /// Creates an empty registry that reports throwing callbacks to `warningHandler`.
    @_spi(DagronHost) public convenience init(warningHandler: @escaping @Sendable (HookWarning) -> Void) {
        self.init()
        self.warningHandler = warningHandler
    }

    private init(storage: HookStorage, owner: String, watch: HookCallbackWatch?) {
        self.storage = storage
        fireState = storage.fireState
        unretainedStorage = Unmanaged.passUnretained(storage)
        self.owner = owner
        self.watch = watch
    }

    /// A view of this registry whose registrations are tagged with `owner`.
    ///
    /// Firing through the view fires every callback of the registry.
    /// ``clear()``, ``clear(_:)``, ``hookCount()`` and ``hookCount(_:)`` on
    /// the view apply to the owner's callbacks only.
    @_spi(DagronHost) public func scoped(owner: String) -> HookRegistry {
        HookRegistry(storage: storage, owner: owner, watch: nil)
    }

    /// A view like ``scoped(owner:)`` whose callbacks also tell `watch` when
    /// they run: each is wrapped, when registered, so that while it runs
    /// `watch` records `owner`, the event and the node (two atomic loads and
    /// two atomic stores per call, nothing else). ``fire(_:)`` is unchanged;
    /// callbacks of other views are not wrapped.
    @_spi(DagronHost) public func scoped(owner: String, watch: HookCallbackWatch) -> HookRegistry {
        HookRegistry(storage: storage, owner: owner, watch: watch)
    }

    /// Whether `other` is this registry or a view of the same registry.
    @_spi(DagronHost) public func sharesCallbacks(with other: HookRegistry) -> Bool {
        storage === other.storage
    }

    /// Registers `callback` for `event`.
    ///
    /// - Parameters:
    ///   - event: The event to listen to.
    ///   - priority: Higher runs first. Defaults to 0.
    ///   - callback: The function to run. It should not throw: the host reports a thrown error as a warning naming the plugin.
    /// - Returns: A handle; call it to unregister.
    @discardableResult
    public func register(
        _ event: HookEvent,
        priority: Int = 0,
        _ callback: @escaping HookCallback
    ) -> HookRegistration {
        var callback = callback
        if let watch, let owner { callback = watch.watching(callback, owner: owner, event: event) }
        let id = storage.add(event: event, priority: priority, owner: owner, callback: callback)
        return HookRegistration(event: event, id: id, storage: storage)
    }

    /// Runs every callback registered for `context.event`, in priority order.
    ///
    /// Never throws: a throwing callback is reported as a warning and the
    /// remaining callbacks still run.
    // @inlinable only for how the body is compiled (see `HookStorage`);
    // @inline(never) keeps it out of callers.
    @inlinable @inline(never)
    public func fire(_ context: HookContext) {
        HookStorage.fire(context, state: fireState, storage: unretainedStorage)
    }

    /// Whether any callback is registered for `event` (by any view of this
    /// registry). One atomic load: an executor can skip preparing an event
    /// nobody listens to.
    @_spi(DagronHost) public func hasCallbacks(for event: HookEvent) -> Bool {
        storage.hasCallbacks(for: event)
    }

    /// Removes callbacks of every event (only this view's when scoped).
    public func clear() {
        storage.removeAll(event: nil, owner: owner)
    }

    /// Removes the callbacks of `event` (only this view's when scoped).
    public func clear(_ event: HookEvent) {
        storage.removeAll(event: event, owner: owner)
    }

    /// The number of callbacks across all events (only this view's when scoped).
    public func hookCount() -> Int {
        storage.count(event: nil, owner: owner)
    }

    /// The number of callbacks for `event` (only this view's when scoped).
    public func hookCount(_ event: HookEvent) -> Int {
        storage.count(event: event, owner: owner)
    }

    /// Removes every callback registered through views scoped to `owner`.
    @_spi(DagronHost) public func removeHooks(owner: String) {
        storage.removeAll(event: nil, owner: owner)
    }

    /// The events `owner` has callbacks for, with how many each.
    @_spi(DagronHost) public func events(registeredBy owner: String) -> [HookEvent: Int] {
        var result: [HookEvent: Int] = [:]
        for event in HookEvent.allCases {
            let count = storage.count(event: event, owner: owner)
            if count > 0 { result[event] = count }
        }
        return result
    }

    /// The priorities of the callbacks `owner` registered, by event, in the
    /// order they fire (what `dagron plugins info` shows).
    @_spi(DagronHost) public func priorities(registeredBy owner: String) -> [HookEvent: [Int]] {
        storage.priorities(owner: owner)
    }

    /// Receives a ``HookWarning`` whenever a callback throws. Shared by all
    /// views of the registry. Defaults to ``standardErrorWarningHandler``.
    @_spi(DagronHost) public var warningHandler: @Sendable (HookWarning) -> Void {
        get { storage.state.withTrackedLock { $0.warningHandler } }
        set { storage.state.withTrackedLock { $0.warningHandler = newValue } }
    }

    /// Writes `dagron: warning: <warning>` to standard error.
    @_spi(DagronHost) public static let standardErrorWarningHandler: @Sendable (HookWarning) -> Void = { warning in
        StandardError.write("dagron: warning: \(warning)\n")
    }
}
