/// A plugin that provides a ``NodeExecutor``: nodes of a pipeline that says
/// `executor: NAME` (or a node that does) run through it.
///
/// The executor's name is the plugin's ``DagronPlugin/name``. Its settings
/// come from the pipeline's `plugins:` table under that name, as for any
/// plugin; the host calls ``DagronPlugin/configure(_:)``, then
/// ``DagronPlugin/initialize(hooks:)`` (an executor plugin may register hooks
/// too), then ``makeExecutor()`` once.
///
/// ```swift
/// final class QueuePlugin: NodeExecutorPlugin {
///     let name = "queue"
///     func initialize(hooks: HookRegistry) throws {}
///     func makeExecutor() throws -> any NodeExecutor { QueueExecutor() }
/// }
/// ```
///
/// Executor plugins run in the host's process: the host waits on them for
/// every node, and an isolated child would only add a round trip.
public protocol NodeExecutorPlugin: DagronPlugin {
    /// Creates the executor the run submits nodes to. Called once, after
    /// ``DagronPlugin/initialize(hooks:)``. Throw when the executor cannot
    /// work (its command-line tools are missing, a setting is wrong).
    func makeExecutor() throws -> any NodeExecutor
}
