import Dagron
@_spi(DagronHost) import DagronSDK
import Synchronization

/// The task executing a pipeline, cancellable before it even exists: the
/// interrupt handler is installed first, so no signal can slip in between
/// starting the run and being able to stop it.
final class CancellableExecution: Sendable {
    private let state = Mutex<(task: Task<ExecutionResult, Never>?, cancelled: Bool)>((nil, false))

    /// Starts `work`; it starts cancelled if ``cancel()`` came first.
    func start(_ work: @escaping @Sendable () async -> ExecutionResult) -> Task<ExecutionResult, Never> {
        let task = Task { await work() }
        let cancelledAlready = state.withTrackedLock { state in
            state.task = task
            return state.cancelled
        }
        if cancelledAlready { task.cancel() }
        return task
    }

    /// Cancels the execution, now or as soon as it starts.
    func cancel() {
        let task = state.withTrackedLock { state in
            state.cancelled = true
            return state.task
        }
        task?.cancel()
    }
}
