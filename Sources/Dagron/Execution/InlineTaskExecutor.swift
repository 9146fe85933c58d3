/// A task executor that runs each job at once, on the thread that hands it
/// over: the worker that starts an attempt, then whichever thread resumes
/// the attempt (the worker again when it waits for the process itself, see
/// ``DirectExitWait``; else the pid watcher, or a timer).
///
/// An attempt at a local command spends its life waiting for a process; run
/// on the global executor, each start and each resumption would first wake
/// a pool thread (on a small VM, tens of microseconds per node). Only code
/// of dagron's own whose every step is short runs here (see
/// ``NodeTask/runsInline``): a job that blocked would block the thread that
/// resumed it, and a resumption made while holding a lock would run the job
/// under that lock. The local attempt's resumptions (the worker, the pid
/// watcher, a detached task's end) all happen outside locks, and cancelling it resumes
/// nothing (its waits do not end on cancellation; the process's end does).
final class InlineTaskExecutor: TaskExecutor {
    /// The one instance; it has no state.
    static let shared = InlineTaskExecutor()

    private init() {}

    func enqueue(_ job: consuming ExecutorJob) {
        job.runSynchronously(on: asUnownedTaskExecutor())
    }
}
