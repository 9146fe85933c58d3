/// A worker's record of its recent nodes: whether it is better off on
/// standby (see `ExecutionRun.standbyProbe`).
///
/// A worker stands by when its tasks keep finishing sooner than the work
/// between them (delivering their events, scheduling) *while* other workers
/// keep completing nodes too: then the workers only take turns on the run's
/// locks. A worker whose peers are busy in long tasks stays, however short
/// its own tasks are. Verdicts are given per window of short tasks in a row.
struct WorkerPace {
    /// How many short tasks in a row make a verdict: one long wait for a
    /// lock or a preempted worker makes a single gap look long.
    static let window = 8
    /// How many nodes other workers must have completed meanwhile.
    static let othersInWindow = 4

    /// When the worker's last task ended (0: none since it last waited).
    private var lastTaskEnd: UInt64 = 0
    /// Whether the last task took less time than the gap before it.
    private var lastTaskWasShort = false
    /// The run's count of finished nodes when this worker last completed one.
    private var finishedSeen = 0
    /// Short tasks in a row in the current window.
    private var shortTasks = 0
    /// Nodes other workers completed during the current window.
    private var othersFinished = 0

    /// Records a task that ran from `began` to `ended` (`RunClock.now()`
    /// readings on the worker's thread).
    mutating func taskRan(began: UInt64, ended: UInt64) {
        lastTaskWasShort = lastTaskEnd != 0 && ended - began < began - lastTaskEnd
        lastTaskEnd = ended
    }

    /// Records that the worker completed its node, `finished` being the run's
    /// count of finished nodes including it; returns whether the worker
    /// should stand by.
    mutating func completed(finished: Int) -> Bool {
        let others = finishedSeen == 0 ? 0 : finished - finishedSeen - 1
        finishedSeen = finished
        guard lastTaskWasShort else {
            (shortTasks, othersFinished) = (0, 0)
            return false
        }
        lastTaskWasShort = false
        shortTasks += 1
        othersFinished += others
        guard shortTasks == Self.window else { return false }
        defer { (shortTasks, othersFinished) = (0, 0) }
        return othersFinished >= Self.othersInWindow
    }
}
