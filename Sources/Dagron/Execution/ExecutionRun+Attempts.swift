@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

/// One attempt at a node's task: retries, timeouts, and how its outcome is
/// handed back to the waiting worker.
extension ExecutionRun {
    // MARK: Running one attempt

    /// Runs one attempt of a task the worker does not simply call: one with
    /// a timeout (a sync body then runs on a thread of its own) or retries,
    /// or an async one.
    func runAttempt(_ index: Int, name: String, task: NodeTask) -> Result<(any Sendable)?, any Error> {
        if let blocking = task.blocking, task.timeout == nil {
            return runBlockingAttempt(index, blocking)
        }
        switch task.body {
        case .sync(let body):
            guard let timeout = task.timeout else {
                return Result { try body() }
            }
            // A sync closure cannot be interrupted: run it on a thread of its
            // own and stop waiting for it at the deadline.
            let outcome = AttemptOutcome()
            Thread.detachNewThread {
                outcome.set(Result { try body() })
            }
            return outcome.wait(timeout: timeout) ?? .failure(NodeTimeoutError(node: name, seconds: timeout.seconds))
        case .async(let body):
            let outcome = AttemptOutcome()
            let attempt: @Sendable () async -> Void = {
                do {
                    outcome.set(.success(try await body()))
                } catch {
                    outcome.set(.failure(error))
                }
            }
            // An inline attempt starts on this thread, which then waits for
            // its process itself (see DirectExitWait).
            let direct = task.runsInline ? DirectExitWait() : nil
            let handle =
                if let direct {
                    DirectExitWait.starting(direct) {
                        Task(executorPreference: InlineTaskExecutor.shared, operation: attempt)
                    }
                } else {
                    Task(operation: attempt)
                }
            register(index, .task(handle))
            defer {
                // A process this thread stopped waiting for goes to the watcher.
                direct?.handOver()
                unregister(index)
            }
            guard let timeout = task.timeout else { return outcome.wait(timeout: nil, serving: direct)! }
            if let result = outcome.wait(timeout: timeout, serving: direct) { return result }
            // Timed out: cancel and give the task a moment to clean up (a
            // process task kills its process group), so nothing outlives the node.
            handle.cancel()
            let report: (any ProcessReport)? =
                switch outcome.wait(timeout: .seconds(10), serving: direct) {
                case .success(let value)?: value as? any ProcessReport
                case .failure(let error)?: error as? any ProcessReport
                case nil: nil
                }
            return .failure(
                NodeTimeoutError(
                    node: name, seconds: timeout.seconds, exitCode: report?.exitCode, stderrTail: report?.stderrTail,
                    job: report?.job))
        }
    }

    /// Runs an attempt's ``NodeTask/blocking`` body on this thread, where
    /// the run can cancel it.
    private func runBlockingAttempt(
        _ index: Int, _ body: @Sendable (AttemptCancellation) throws -> (any Sendable)?
    ) -> Result<(any Sendable)?, any Error> {
        let cancellation = AttemptCancellation()
        register(index, .blocking(cancellation))
        defer { unregister(index) }
        return Result { try body(cancellation) }
    }

    /// Records node `index`'s running attempt, for the run to cancel when it
    /// stops; cancels it at once if the run is stopping already.
    private func register(_ index: Int, _ attempt: InFlightWork) {
        let cancelledAlready = state.withTrackedLock { state in
            state.runningAttempts[index] = attempt
            return state.isStopping
        }
        if cancelledAlready { attempt.cancel() }
    }

    /// Forgets node `index`'s attempt once it has ended.
    private func unregister(_ index: Int) {
        state.withTrackedLock { _ = $0.runningAttempts.removeValue(forKey: index) }
    }
}

/// How an attempt ended, without touching the SDK's resilient `NodeStatus`
/// on the hot path.
enum NodeOutcome {
    case completed, failed, timedOut, cancelled

    var nodeStatus: NodeStatus {
        switch self {
        case .completed: .completed
        case .failed: .failed
        case .timedOut: .timedOut
        case .cancelled: .cancelled
        }
    }
}

/// The result of one attempt, handed from the thread or task that ran it to
/// the worker waiting for it.
final class AttemptOutcome: Sendable {
    let value = Mutex<Result<(any Sendable)?, any Error>?>(nil)
    let ready = DispatchSemaphore(value: 0)

    func set(_ result: Result<(any Sendable)?, any Error>) {
        value.withTrackedLock { $0 = result }
        ready.signal()
    }

    /// Waits up to `timeout` (forever when `nil`); `nil` if it did not arrive.
    /// Time the process spent stopped by job control does not count (see
    /// ``ProcessSuspension``). With `direct`, first waits for the attempt's
    /// process itself (see ``DirectExitWait``), which lets the attempt go on
    /// on this thread.
    func wait(timeout: Duration?, serving direct: DirectExitWait? = nil) -> Result<(any Sendable)?, any Error>? {
        guard let timeout else {
            _ = direct?.serve(timeout: nil)
            ready.wait()
            return value.withTrackedLock { $0 }
        }
        let limit = RunningTimeLimit(timeout)
        if let direct {
            // Never a negative wait: the system call would take it for "forever".
            while !direct.serve(timeout: max(limit.remaining, .zero)) {
                guard limit.remaining > .zero else { return nil }
            }
        }
        while true {
            // Saturating: a timeout past Int64 nanoseconds (about 292 years) waits as long as Dispatch can.
            let nanoseconds = Int(clamping: max(limit.remaining, .zero).clampedNanoseconds)
            if ready.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success { break }
            guard limit.remaining > .zero else { return nil }
        }
        return value.withTrackedLock { $0 }
    }
}

/// A time limit on running: the wall time since it was set, less the time
/// the process spent stopped meanwhile (``ProcessSuspension``).
struct RunningTimeLimit {
    let limit: Duration
    let started = ContinuousClock.now
    let stoppedBefore = ProcessSuspension.shared.stoppedTime

    init(_ limit: Duration) {
        self.limit = limit
    }

    /// What is left of the limit (zero or less once it is over).
    var remaining: Duration {
        let stopped = ProcessSuspension.shared.stoppedTime - stoppedBefore
        return limit - (ContinuousClock.now - started - stopped)
    }
}
