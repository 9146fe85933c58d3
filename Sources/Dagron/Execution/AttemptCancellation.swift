@_spi(DagronHost) import DagronSDK
import Synchronization

/// How a run cancels an attempt that runs on its worker's thread, without a
/// Swift task of its own (see ``NodeTask/blocking``): what cancelling the
/// task is for an async attempt.
///
/// The attempt registers what stops it (``onCancel(_:)``: a local command
/// sends its process group `SIGTERM`); ``cancel()`` runs that at once, on
/// the cancelling thread, and a handler registered after the cancellation
/// runs as it is registered. The attempt looks at ``isCancelled`` once its
/// work has ended, as an async attempt looks at `Task.isCancelled`.
final class AttemptCancellation: Sendable {
    private struct State {
        var cancelled = false
        var handler: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// An attempt not cancelled yet, with nothing to run when it is.
    init() {}

    /// Whether ``cancel()`` was called.
    var isCancelled: Bool { state.withTrackedLock { $0.cancelled } }

    /// Cancels the attempt: runs its handler (once), outside the lock.
    func cancel() {
        let handler = state.withTrackedLock { state -> (@Sendable () -> Void)? in
            guard !state.cancelled else { return nil }
            state.cancelled = true
            defer { state.handler = nil }
            return state.handler
        }
        handler?()
    }

    /// Runs `handler` when the attempt is cancelled, or at once if it was
    /// already; replaces any handler registered before. `nil` removes it.
    func onCancel(_ handler: (@Sendable () -> Void)?) {
        let runNow = state.withTrackedLock { state -> Bool in
            guard !state.cancelled else { return true }
            state.handler = handler
            return false
        }
        if runNow { handler?() }
    }
}
