/// A hook: a function run when an event fires.
///
/// A callback should be quick (it runs on the thread that fires the event,
/// usually an executor worker) and should not throw: an error it throws is
/// caught and reported by the host as a warning naming the plugin, never
/// propagated.
public typealias HookCallback = @Sendable (HookContext) throws -> Void
