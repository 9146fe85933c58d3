@_spi(DagronHost) import DagronSDK

/// Runs one attempt of a node through a ``NodeExecutor`` and turns its
/// outcome into what a node task returns or throws: a ``ProcessOutcome``
/// for success, a ``ProcessFailure`` for a failed command,
/// ``NodeTimeoutError`` when the executor's own time limit ended it, and
/// ``NodeCancelledError`` when the calling task was cancelled (a node
/// timeout, fail-fast, Ctrl-C), after the job was asked to stop.
/// Each carries the job's ``NodeJobHandle``.
struct ExecutorAttempt: Sendable {
    /// The executor's poller (and through it, the executor).
    let poller: JobPoller
    /// The attempt. Its ``NodeJob/environment`` is set from ``environment``
    /// before an executor plugin gets it.
    let job: NodeJob
    /// The attempt's environment: a local command gets it as it is kept
    /// (see ``CommandEnvironment``), an executor plugin as a dictionary.
    let environment: CommandEnvironment
    /// The job's two logs already open, for a local command to take (see ``LogFilePreparer``).
    var openedLogs: OpenedLogFiles?
    /// How many lines of standard error a failure keeps.
    var tailLines = 20

    /// Submits the job and waits for its end.
    func run() async throws -> ProcessOutcome {
        let handle: NodeJobHandle
        let outcome: NodeJobOutcome?
        let tail: () -> String?
        try Task.checkCancellation()
        if let local = poller.executor as? LocalExecutor {
            // The common case: the command runs in this task (cancelling it
            // stops the command), with no task of the executor's own whose
            // end would have to be handed back here. The command keeps its
            // own stderr tail, from the log it opened: no `stat` of the log's
            // path for every node.
            let localTail: String?
            (handle, outcome, localTail) = await local.runInCallingTask(
                job, environment: environment, tailLines: tailLines, openedLogs: openedLogs)
            tail = { localTail }
        } else {
            let logs = NodeLogFiles(
                standardOutputPath: job.standardOutputPath, standardErrorPath: job.standardErrorPath)
            let stderrStart = logs.stderrSize()
            tail = { logs.stderrTail(from: stderrStart, lines: tailLines) }
            var job = job
            job.environment = environment.dictionary
            do {
                handle = try await poller.executor.submit(job)
            } catch {
                throw ProcessFailure(
                    node: job.node, reason: .launch("\(poller.name) executor: \(error)"), stderrTail: tail())
            }
            outcome = try await withTaskCancellationHandler {
                if let outcome = try await poller.executor.waitForCompletion(of: handle) { return outcome }
                return try await poller.outcome(of: handle)
            } onCancel: {
                poller.requestCancel(handle)
            }
        }
        return try conclusion(handle, outcome, tail: tail, cancelled: Task.isCancelled)
    }

    /// ``run()`` for a job of the local executor, on the calling thread
    /// (see ``NodeTask/blocking``): `cancellation` stops the command.
    func run(on local: LocalExecutor, cancellation: AttemptCancellation) throws -> ProcessOutcome {
        if cancellation.isCancelled { throw CancellationError() }
        let (handle, ended, startedAt) = local.runOnCallingThread(
            job, environment: environment, tailLines: tailLines, openedLogs: openedLogs, cancellation: cancellation)
        let cancelled = cancellation.isCancelled
        // What `conclusion` makes of a success, without the job outcome it
        // would first be turned into.
        if case .success = ended, !cancelled { return ProcessOutcome(exitCode: 0, processID: 0, job: handle) }
        let (outcome, tail) = LocalExecutor.ending(ended, startedAt: startedAt)
        return try conclusion(handle, outcome, tail: { tail }, cancelled: cancelled)
    }

    /// What the job's `outcome` (`nil`: the executor lost it) amounts to:
    /// the attempt's outcome, or the error to throw.
    private func conclusion(
        _ handle: NodeJobHandle, _ outcome: NodeJobOutcome?, tail: () -> String?, cancelled: Bool
    ) throws -> ProcessOutcome {
        if cancelled {
            throw NodeCancelledError(node: job.node, exitCode: outcome?.exitCode, stderrTail: tail(), job: handle)
        }
        guard let outcome else {
            throw ProcessFailure(
                node: job.node, reason: .ended("was lost by its executor"), stderrTail: tail(), job: handle)
        }
        switch outcome.ending {
        case .succeeded:
            return ProcessOutcome(exitCode: 0, processID: 0, job: handle)
        case .timedOut:
            throw NodeTimeoutError(
                node: job.node, seconds: job.resources.timeSeconds ?? job.timeoutSeconds ?? 0,
                exitCode: outcome.exitCode, stderrTail: tail(), job: handle)
        case .cancelled:
            throw ProcessFailure(
                node: job.node, reason: .ended("was cancelled outside dagron (\(Self.describe(outcome, handle)))"),
                stderrTail: tail(), job: handle)
        case .failed:
            throw ProcessFailure(node: job.node, reason: Self.reason(outcome, handle), stderrTail: tail(), job: handle)
        @unknown default:
            throw ProcessFailure(node: job.node, reason: Self.reason(outcome, handle), stderrTail: tail(), job: handle)
        }
    }

    /// An exit status, a signal, or the executor's own words.
    private static func reason(_ outcome: NodeJobOutcome, _ handle: NodeJobHandle) -> ProcessFailure.Reason {
        if let signal = outcome.signal, signal != 0 { return .signaled(signal) }
        if let code = outcome.exitCode, code != 0 { return .exited(code) }
        return .ended("failed (\(describe(outcome, handle)))")
    }

    /// `slurm job 42, NODE_FAIL: node lost`.
    private static func describe(_ outcome: NodeJobOutcome, _ handle: NodeJobHandle) -> String {
        var text = handle.description
        if let state = outcome.state { text += ", \(state)" }
        if let message = outcome.message { text += ": \(message)" }
        return text
    }
}
