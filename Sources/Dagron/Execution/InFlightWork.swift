/// What runs for a node while it runs, which the run cancels when it stops
/// (cancelled, or stopped by fail-fast).
enum InFlightWork: Sendable {
    /// An async attempt's task, or a gate's wait.
    case task(Task<Void, Never>)
    /// An attempt that runs on its worker's thread (``NodeTask/blocking``).
    case blocking(AttemptCancellation)

    /// Cancels the task, or the attempt.
    func cancel() {
        switch self {
        case .task(let task): task.cancel()
        case .blocking(let attempt): attempt.cancel()
        }
    }
}
