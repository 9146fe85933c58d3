import NIOCore

/// Runs Swift tasks on one of the plugin's own event loops.
///
/// The server's tasks (the service group that runs it, Hummingbird's
/// connection tasks, the task that asks it to shut down) prefer this
/// executor, so the dashboard never needs a thread of the host's
/// cooperative pool: `initialize` and `teardown` can block their caller
/// until the server is up or down even when the caller is itself on that
/// pool, however busy the pool is.
final class EventLoopTaskExecutor: TaskExecutor {
    private let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { [self] in
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
