@_spi(DagronHost) public import DagronSDK
import Foundation
import Synchronization

/// The `local` executor: each job is a ``ShellCommand`` on this machine, in
/// a process group of its own.
///
/// It learns of a job's end by waiting for the process
/// (``waitForCompletion(of:)``), so local nodes are never polled; ``poll(_:)``
/// still answers, for the running jobs and the last ``keptOutcomes``
/// finished ones (a long run does not accumulate every outcome). ``NodeJob/resources`` are not
/// enforced: a local node gets whatever the machine has.
public final class LocalExecutor: NodeExecutor {
    /// The executor's name in pipelines: `local`.
    public static let name = "local"

    /// Where running commands' process groups are recorded.
    public let processGroups: ProcessGroupRegistry
    /// How long a command's group has between `SIGTERM` and `SIGKILL` when it
    /// leaves processes behind.
    public let gracePeriod: Duration
    private let jobs = Mutex<Jobs>(Jobs())

    private struct Jobs {
        var next = 1
        var running: [String: Task<NodeJobOutcome, Never>] = [:]
        /// Outcomes of the jobs that have ended: all those not waited for yet, and the last ``keptOutcomes`` waited for.
        var finished: [String: NodeJobOutcome] = [:]
        /// The jobs waited for whose outcomes are still kept, oldest first.
        var waitedFor: [String] = []

        /// A handle for `job` with the next sequence number as its id.
        mutating func nextHandle(for job: NodeJob) -> NodeJobHandle {
            defer { next += 1 }
            return NodeJobHandle(executor: LocalExecutor.name, id: String(next), node: job.node)
        }
    }

    /// How many outcomes that were already handed over ``poll(_:)`` still reports.
    public static let keptOutcomes = 1024

    /// Creates the executor.
    public init(processGroups: ProcessGroupRegistry = ProcessGroupRegistry(), gracePeriod: Duration = .seconds(2)) {
        self.processGroups = processGroups
        self.gracePeriod = gracePeriod
    }

    /// A tenth of a second (only asked for when the host polls, which it does not for local jobs).
    public var pollInterval: Duration { .milliseconds(100) }

    /// Starts the command; the handle's id is a sequence number of this executor.
    public func submit(_ job: NodeJob) async throws -> NodeJobHandle {
        let command = command(for: job)
        return jobs.withTrackedLock { jobs in
            let handle = jobs.nextHandle(for: job)
            let id = handle.id
            jobs.running[id] = Task { [self] in
                let outcome = await Self.ending(of: command).outcome
                self.jobs.withTrackedLock { jobs in
                    if jobs.running[id] != nil { jobs.finished[id] = outcome }
                }
                return outcome
            }
            return handle
        }
    }

    /// Finished jobs as `finished` (those waited for among the last
    /// ``keptOutcomes`` only), the others as `running`.
    public func poll(_ handles: [NodeJobHandle]) async throws -> [NodeJobHandle: NodeJobState] {
        jobs.withTrackedLock { jobs in
            var states: [NodeJobHandle: NodeJobState] = [:]
            for handle in handles {
                if let outcome = jobs.finished[handle.id] {
                    states[handle] = .finished(outcome)
                } else if jobs.running[handle.id] != nil {
                    states[handle] = .running(startedAt: nil)
                }
            }
            return states
        }
    }

    /// Stops the commands: their process groups are killed.
    public func cancel(_ handles: [NodeJobHandle]) async {
        let tasks = jobs.withTrackedLock { jobs in handles.compactMap { jobs.running[$0.id] } }
        for task in tasks { task.cancel() }
    }

    /// Waits for the command to end; for a job already waited for, its kept outcome (else `nil`).
    public func waitForCompletion(of handle: NodeJobHandle) async throws -> NodeJobOutcome? {
        let task = jobs.withTrackedLock { jobs in jobs.running[handle.id] }
        guard let task else { return jobs.withTrackedLock { $0.finished[handle.id] } }
        let outcome = await task.value
        jobs.withTrackedLock { jobs in
            guard jobs.running.removeValue(forKey: handle.id) != nil else { return }
            jobs.finished[handle.id] = outcome
            jobs.waitedFor.append(handle.id)
            if jobs.waitedFor.count > Self.keptOutcomes { jobs.finished[jobs.waitedFor.removeFirst()] = nil }
        }
        return outcome
    }

    /// Runs `job` in the calling task and says how it ended: what
    /// ``submit(_:)`` followed by ``waitForCompletion(of:)`` does, without
    /// a task of the job's own (the host's attempts at local nodes with a
    /// time limit use it; per node, one task and its hand-over less).
    /// Cancelling the calling task stops the command. The job is not listed
    /// by ``poll(_:)``: only its caller waits for it.
    ///
    /// The command keeps the last `tailLines` lines of standard error of a
    /// failed or cancelled attempt (from the log's size when it was opened
    /// for the attempt): those are returned as `stderrTail`.
    ///
    /// The command's environment is `environment` (the job's own is not
    /// looked at); it takes `openedLogs`, when given, instead of opening its
    /// logs by path.
    func runInCallingTask(
        _ job: NodeJob, environment: CommandEnvironment, tailLines: Int, openedLogs: OpenedLogFiles? = nil
    ) async -> (NodeJobHandle, NodeJobOutcome, stderrTail: String?) {
        let (handle, command) = attempt(job, environment: environment, tailLines: tailLines, openedLogs: openedLogs)
        let (outcome, tail) = await Self.ending(of: command)
        return (handle, outcome, tail)
    }

    /// ``runInCallingTask(_:environment:tailLines:openedLogs:)`` on the
    /// calling thread, which waits for the command (the host's attempts at
    /// local nodes without a time limit, see ``NodeTask/blocking``):
    /// `cancellation` stops the command.
    ///
    /// Returns the command's own ending and when it started: a success
    /// needs no ``NodeJobOutcome`` (its caller makes one, with
    /// ``ending(_:startedAt:)``, only for what it reports).
    func runOnCallingThread(
        _ job: NodeJob, environment: CommandEnvironment, tailLines: Int, openedLogs: OpenedLogFiles?,
        cancellation: AttemptCancellation
    ) -> (NodeJobHandle, Result<ProcessOutcome, any Error>, startedAt: Double) {
        let (handle, command) = attempt(job, environment: environment, tailLines: tailLines, openedLogs: openedLogs)
        let startedAt = WallClock.now()
        return (handle, Result { try command.run(cancellation: cancellation) }, startedAt)
    }

    /// A handle for an attempt at `job` run by its caller, and its command.
    private func attempt(
        _ job: NodeJob, environment: CommandEnvironment, tailLines: Int, openedLogs: OpenedLogFiles?
    ) -> (NodeJobHandle, ShellCommand) {
        let handle = jobs.withTrackedLock { $0.nextHandle(for: job) }
        var command = command(for: job, environment: environment, tailLines: tailLines)
        command.openedLogs = openedLogs
        return (handle, command)
    }

    /// The command that runs `job` (in `environment`, else the job's own),
    /// keeping `tailLines` lines of standard error of a failure.
    private func command(for job: NodeJob, environment: CommandEnvironment? = nil, tailLines: Int = 0) -> ShellCommand {
        ShellCommand(
            node: job.node, command: job.command,
            variables: environment ?? CommandEnvironment(shared: CommandEnvironment.Shared(job.environment)),
            workingDirectory: job.workingDirectory,
            logs: NodeLogFiles(standardOutputPath: job.standardOutputPath, standardErrorPath: job.standardErrorPath),
            gracePeriod: gracePeriod, tailLines: tailLines, registry: processGroups)
    }

    /// Runs `command` to its end: how it ended, and the standard error
    /// tail its failure or cancellation kept.
    private static func ending(of command: ShellCommand) async -> (outcome: NodeJobOutcome, stderrTail: String?) {
        let startedAt = WallClock.now()
        let ended: Result<ProcessOutcome, any Error>
        do {
            ended = .success(try await command.run())
        } catch {
            ended = .failure(error)
        }
        return ending(ended, startedAt: startedAt)
    }

    /// How a command that started at `startedAt` and ended with `ended`
    /// ended as a job, and the standard error tail its failure or
    /// cancellation kept.
    static func ending(_ ended: Result<ProcessOutcome, any Error>, startedAt: Double) -> (
        outcome: NodeJobOutcome, stderrTail: String?
    ) {
        let ending: NodeJobOutcome.Ending
        var exitCode: Int32?
        var signal: Int32?
        var message: String?
        var tail: String?
        switch ended {
        case .success:
            (ending, exitCode) = (.succeeded, 0)
        case .failure(let failure as ProcessFailure):
            ending = .failed
            tail = failure.stderrTail
            switch failure.reason {
            case .exited(let code): exitCode = code
            case .signaled(let number): signal = number
            case .launch, .ended: message = failure.description
            }
        case .failure(let error):
            ending = .cancelled
            tail = (error as? NodeCancelledError)?.stderrTail
        }
        let outcome = NodeJobOutcome(
            ending: ending, exitCode: exitCode, signal: signal, startedAt: startedAt, finishedAt: WallClock.now(),
            message: message)
        return (outcome, tail)
    }
}
