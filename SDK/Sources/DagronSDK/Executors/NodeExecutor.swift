/// Somewhere nodes run: local processes, a Slurm cluster, a PBS queue.
///
/// The host drives an executor through four calls. It ``submit(_:)``s one
/// attempt of a node and gets a ``NodeJobHandle``; it asks for the state of
/// every job it is waiting for in **one** ``poll(_:)`` call every
/// ``pollInterval`` (never one query per node); it ``cancel(_:)``s jobs on a
/// node timeout, on fail-fast and on Ctrl-C; and it reads each job's
/// ``NodeJobOutcome`` from the poll that reports it finished.
///
/// ```swift
/// final class QueueExecutor: NodeExecutor {
///     var pollInterval: Duration { .seconds(2) }
///     func submit(_ job: NodeJob) async throws -> NodeJobHandle {
///         let id = try await queue.enqueue(job.command, name: job.jobName)
///         return NodeJobHandle(executor: "queue", id: id, node: job.node)
///     }
///     func poll(_ handles: [NodeJobHandle]) async throws -> [NodeJobHandle: NodeJobState] {
///         try await queue.states(of: handles)      // one request for all of them
///     }
///     func cancel(_ handles: [NodeJobHandle]) async {
///         try? await queue.remove(handles.map(\.id))
///     }
/// }
/// ```
///
/// ## What the host does around an executor
/// - Hooks fire as for any node: `pre_node` before the submission, then one
///   of `post_node` or `on_error` when the outcome is known.
/// - Retries submit a new attempt (``NodeJob/attempt`` counts from 1); a node
///   timeout cancels the job and marks the node `timed_out`.
/// - A job ``poll(_:)`` does not mention keeps its last state; the host asks
///   again at the next interval. When polls keep failing (the host allows
///   ten in a row), the host cancels the run's jobs on that executor and
///   fails their nodes with the last error.
/// - After ``cancel(_:)`` the host keeps polling until the job is reported
///   finished, for at most ``cancelGracePeriod``.
///
/// ## Implementation requirements
/// - All methods may be called from any task, concurrently: keep state
///   behind a `Mutex`.
/// - ``submit(_:)`` returns once the job is accepted (queued or running). It
///   throws when the job cannot be submitted: the node fails with that error.
/// - ``poll(_:)`` answers for many jobs in one query. Finished jobs stay
///   answerable for as long as the run lasts (fall back to files the job
///   writes when the cluster forgets finished jobs).
/// - Nothing an executor starts may outlive the run: cancel what is still
///   queued or running in the plugin's ``DagronPlugin/teardown()``.
public protocol NodeExecutor: Sendable {
    /// How long the host waits between two ``poll(_:)`` calls. Defaults to one second.
    var pollInterval: Duration { get }
    /// How long the host keeps polling a job after ``cancel(_:)`` before it
    /// gives up on hearing that it ended. Defaults to thirty seconds.
    var cancelGracePeriod: Duration { get }
    /// Starts one attempt of a node.
    /// - Returns: The handle the host polls and cancels the job by.
    /// - Throws: When the job cannot be submitted; the attempt fails with the error.
    func submit(_ job: NodeJob) async throws -> NodeJobHandle
    /// The states of `handles`, found with one query.
    /// - Returns: The state of each job the executor knows about; jobs left
    ///   out keep their last state.
    func poll(_ handles: [NodeJobHandle]) async throws -> [NodeJobHandle: NodeJobState]
    /// Asks for `handles` to be stopped. Returns once the request is made;
    /// the jobs' end is learned by polling.
    func cancel(_ handles: [NodeJobHandle]) async
    /// The outcome of `handle`, for an executor that learns of a job's end
    /// without asking (a local process that it waits for).
    ///
    /// Return `nil` (the default) to be polled. When it returns an outcome,
    /// the host does not poll the job. Cancelling the waiting task must not
    /// stop the job: the host calls ``cancel(_:)`` for that.
    func waitForCompletion(of handle: NodeJobHandle) async throws -> NodeJobOutcome?
}

extension NodeExecutor {
    /// One second.
    public var pollInterval: Duration { .seconds(1) }
    /// Thirty seconds.
    public var cancelGracePeriod: Duration { .seconds(30) }
    /// `nil`: the host polls.
    public func waitForCompletion(of handle: NodeJobHandle) async throws -> NodeJobOutcome? { nil }
}
