/// A worker's record of its recent tasks: whether they are so short that
/// the worker is better off on standby (see `ExecutionRun.standbyProbe`).
struct WorkerPace {
    /// How many tasks in a row must be short; one long wait for a lock or a
    /// preempted worker makes a single gap look long.
    static let shortTasksToStandBy = 8

    /// When the worker's last task ended (0: none since it last waited).
    private var lastTaskEnd: UInt64 = 0
    /// Tasks in a row that took less time than the gap before them.
    private var shortTasks = 0

    /// Records a task that ran from `began` to `ended` (`RunClock.now()`
    /// readings on the worker's thread); returns whether the worker's
    /// recent tasks are short enough for it to stand by.
    mutating func taskRan(began: UInt64, ended: UInt64) -> Bool {
        if lastTaskEnd != 0 && ended - began < began - lastTaskEnd {
            shortTasks += 1
        } else {
            shortTasks = 0
        }
        lastTaskEnd = ended
        return shortTasks >= Self.shortTasksToStandBy
    }
}
