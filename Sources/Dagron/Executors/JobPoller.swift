@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization

/// Waits for the jobs of one ``NodeExecutor``: every ``NodeExecutor/pollInterval``
/// it asks for the state of **all** the jobs being waited for in one
/// ``NodeExecutor/poll(_:)`` call, and hands each finished job's outcome to
/// the node waiting for it. Cancel requests are gathered the same way: the
/// requests made within a few milliseconds of each other (a fail-fast or a
/// Ctrl-C cancels every running node) reach ``NodeExecutor/cancel(_:)`` as
/// one call.
///
/// The polling task runs only while someone waits.
final class JobPoller: Sendable {
    /// The executor's name, for errors.
    let name: String
    /// The executor.
    let executor: any NodeExecutor
    /// How many failed polls in a row end the waits.
    static let failureLimit = 10
    /// How long cancel requests are gathered before they are sent.
    static let cancelGathering: Duration = .milliseconds(10)

    private let state = Mutex<State>(State())

    private struct Waiter {
        let continuation: CheckedContinuation<NodeJobOutcome?, any Error>
        /// Set when the job was asked to stop: past it, the wait ends without an outcome.
        var giveUpAt: ContinuousClock.Instant?
    }

    private struct State {
        var waiters: [NodeJobHandle: Waiter] = [:]
        var polling = false
        var failures = 0
        var pendingCancels: [NodeJobHandle] = []
        var cancelScheduled = false
    }

    init(name: String, executor: any NodeExecutor) {
        self.name = name
        self.executor = executor
    }

    /// Waits until a poll reports `handle` finished. Returns `nil` when the
    /// job was asked to stop (``requestCancel(_:)``) and no poll reported its
    /// end within the executor's ``NodeExecutor/cancelGracePeriod``. Throws
    /// ``ExecutorPollError`` when polls keep failing. Cancelling the calling
    /// task does not end the wait: call ``requestCancel(_:)``.
    func outcome(of handle: NodeJobHandle) async throws -> NodeJobOutcome? {
        try await withCheckedThrowingContinuation { continuation in
            let startPolling = state.withTrackedLock { state in
                state.waiters[handle] = Waiter(continuation: continuation)
                guard !state.polling else { return false }
                state.polling = true
                return true
            }
            if startPolling { Task { await pollWhileWaited() } }
        }
    }

    /// Asks the executor to stop `handle` (gathered with other requests) and
    /// bounds the wait for its end by the executor's grace period.
    func requestCancel(_ handle: NodeJobHandle) {
        let deadline = ContinuousClock.now + executor.cancelGracePeriod
        let send = state.withTrackedLock { state in
            state.waiters[handle]?.giveUpAt = deadline
            state.pendingCancels.append(handle)
            guard !state.cancelScheduled else { return false }
            state.cancelScheduled = true
            return true
        }
        guard send else { return }
        Task {
            try? await Task.sleep(for: Self.cancelGathering)
            let handles = state.withTrackedLock { state in
                state.cancelScheduled = false
                defer { state.pendingCancels.removeAll() }
                return state.pendingCancels
            }
            await executor.cancel(handles)
        }
    }

    private func pollWhileWaited() async {
        while true {
            try? await Task.sleep(for: executor.pollInterval)
            let handles = state.withTrackedLock { state -> [NodeJobHandle] in
                if state.waiters.isEmpty { state.polling = false }
                return Array(state.waiters.keys)
            }
            guard !handles.isEmpty else { return }
            do {
                let states = try await executor.poll(handles)
                deliver(states)
            } catch {
                if failAllAfterRepeatedFailure(error) { return }
            }
        }
    }

    /// Resumes the waiters of finished jobs, and those whose grace after a
    /// cancel request has run out.
    private func deliver(_ states: [NodeJobHandle: NodeJobState]) {
        let now = ContinuousClock.now
        var resumes: [(Waiter, NodeJobOutcome?)] = []
        state.withTrackedLock { state in
            state.failures = 0
            for (handle, waiter) in state.waiters {
                if case .finished(let outcome)? = states[handle] {
                    resumes.append((waiter, outcome))
                    state.waiters[handle] = nil
                } else if let giveUpAt = waiter.giveUpAt, giveUpAt <= now {
                    resumes.append((waiter, nil))
                    state.waiters[handle] = nil
                }
            }
        }
        for (waiter, outcome) in resumes { waiter.continuation.resume(returning: outcome) }
    }

    /// Counts a failed poll; at ``failureLimit`` in a row, fails every wait
    /// and asks for the jobs to be cancelled.
    /// - Returns: Whether polling stopped.
    private func failAllAfterRepeatedFailure(_ error: any Error) -> Bool {
        let failed = state.withTrackedLock { state -> [NodeJobHandle: Waiter]? in
            state.failures += 1
            guard state.failures >= Self.failureLimit else { return nil }
            let waiters = state.waiters
            state.waiters.removeAll()
            state.failures = 0
            state.polling = false
            return waiters
        }
        guard let failed else { return false }
        let pollError = ExecutorPollError(
            executor: name, failures: Self.failureLimit, lastError: String(describing: error))
        for waiter in failed.values { waiter.continuation.resume(throwing: pollError) }
        let handles = Array(failed.keys)
        Task { await executor.cancel(handles) }
        return true
    }
}
