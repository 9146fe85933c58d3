@_spi(DagronHost) public import DagronSDK

/// The work of one node: a synchronous or asynchronous closure, plus how to
/// run it (timeout, retries).
///
/// ```swift
/// let tasks: [String: NodeTask] = [
///     "extract": .sync { try readRows() },
///     "load": .async(timeout: .seconds(30), retries: 2) { try await upload() },
/// ]
/// ```
public struct NodeTask: Sendable {
    /// The closure.
    public enum Body: Sendable {
        /// Runs on an executor worker thread.
        case sync(@Sendable () throws -> (any Sendable)?)
        /// Runs as a Swift task; cancelled on timeout or when the execution is cancelled.
        case async(@Sendable () async throws -> (any Sendable)?)
    }

    /// The closure to run.
    public var body: Body
    /// How long one attempt may run; `nil` for no limit.
    ///
    /// An async body is cancelled when it times out. A sync body cannot be
    /// interrupted: the node is marked timed out at the deadline and the
    /// closure's eventual result is discarded.
    public var timeout: Duration?
    /// How many times to try again after a failure or a timeout.
    public var retries: Int
    /// How long to wait between attempts.
    public var retryDelay: Duration
    /// Whether an async body runs on the ``InlineTaskExecutor`` (from the
    /// worker, then on the threads that resume it) rather than the global
    /// executor: only for bodies of dagron's own that never block, such as
    /// a local command's attempt.
    var runsInline = false
    /// The same work as ``body``, run on the worker's thread with no Swift
    /// task at all, used instead of it when the task has no ``timeout``:
    /// only for dagron's own attempts at a local command, which block the
    /// worker until the command has ended (as the worker's wait for a task
    /// would) and stop when the run cancels them (``AttemptCancellation``).
    /// The task, its start and its resumptions were about a sixth of the
    /// worker's own time in such an attempt (perf, a chain of `true`).
    var blocking: (@Sendable (AttemptCancellation) throws -> (any Sendable)?)?

    /// Creates a task.
    public init(_ body: Body, timeout: Duration? = nil, retries: Int = 0, retryDelay: Duration = .zero) {
        self.body = body
        self.timeout = timeout
        self.retries = max(0, retries)
        self.retryDelay = retryDelay
    }

    /// A synchronous task.
    public static func sync(
        timeout: Duration? = nil, retries: Int = 0, retryDelay: Duration = .zero,
        _ body: @escaping @Sendable () throws -> (any Sendable)?
    ) -> NodeTask {
        NodeTask(.sync(body), timeout: timeout, retries: retries, retryDelay: retryDelay)
    }

    /// An asynchronous task.
    public static func async(
        timeout: Duration? = nil, retries: Int = 0, retryDelay: Duration = .zero,
        _ body: @escaping @Sendable () async throws -> (any Sendable)?
    ) -> NodeTask {
        NodeTask(.async(body), timeout: timeout, retries: retries, retryDelay: retryDelay)
    }
}

/// Details a task's error or output can carry into its ``NodeResult``: the
/// executor copies them into ``NodeResult/exitCode`` and ``NodeResult/stderrTail``.
public protocol ProcessReport: Sendable {
    /// The process's exit code, if a process ran.
    var exitCode: Int32? { get }
    /// The last lines of its standard error, for failures.
    var stderrTail: String? { get }
    /// The executor job that ran the attempt, if it ran through an executor.
    var job: NodeJobHandle? { get }
}

extension ProcessReport {
    /// `nil`: no executor job.
    public var job: NodeJobHandle? { nil }
}
