@testable import Dagron
import Testing

/// When a worker stands by (`WorkerPace`): tasks shorter than the gaps
/// between them, while other workers keep completing nodes.
@Suite("WorkerPace")
struct WorkerPaceTests {
    /// Runs `count` nodes whose tasks take `task` ns after a gap of `gap` ns,
    /// with `othersPerNode` nodes completed by other workers in between;
    /// returns the verdict after each node.
    private func run(
        _ pace: inout WorkerPace, count: Int, task: UInt64, gap: UInt64, othersPerNode: Int,
        clock: inout UInt64, finished: inout Int
    ) -> [Bool] {
        (0..<count).map { _ in
            let began = clock + gap
            clock = began + task
            pace.taskRan(began: began, ended: clock)
            finished += othersPerNode + 1
            return pace.completed(finished: finished)
        }
    }

    @Test func standsByAfterAWindowOfShortTasksBesideBusyPeers() {
        var pace = WorkerPace()
        var clock: UInt64 = 1_000
        var finished = 0
        // The first node after a wait has no gap to compare with.
        let verdicts = run(&pace, count: 1 + WorkerPace.window, task: 50, gap: 900, othersPerNode: 1, clock: &clock, finished: &finished)
        #expect(verdicts == Array(repeating: false, count: WorkerPace.window) + [true])
    }

    @Test func staysWhilePeersCompleteNothing() {
        // The peer sits in a long task: however short this worker's tasks, it keeps going.
        var pace = WorkerPace()
        var clock: UInt64 = 1_000
        var finished = 0
        let verdicts = run(&pace, count: 1_000, task: 50, gap: 900, othersPerNode: 0, clock: &clock, finished: &finished)
        #expect(!verdicts.contains(true))
    }

    @Test func staysWhenPeersCompleteTooFewInAWindow() {
        var pace = WorkerPace()
        var clock: UInt64 = 1_000
        var finished = 0
        _ = run(&pace, count: 1, task: 50, gap: 900, othersPerNode: 0, clock: &clock, finished: &finished)
        var verdicts: [Bool] = []
        for node in 0..<(WorkerPace.window * 10) {
            // One node by a peer every other window: never enough.
            let others = node % (WorkerPace.window * 2) == 0 ? WorkerPace.othersInWindow - 1 : 0
            verdicts += run(&pace, count: 1, task: 50, gap: 900, othersPerNode: others, clock: &clock, finished: &finished)
        }
        #expect(!verdicts.contains(true))
    }

    @Test func tasksLongerThanTheirGapsKeepTheWorker() {
        var pace = WorkerPace()
        var clock: UInt64 = 1_000
        var finished = 0
        let verdicts = run(&pace, count: 1_000, task: 5_000, gap: 900, othersPerNode: 1, clock: &clock, finished: &finished)
        #expect(!verdicts.contains(true))
    }

    @Test func oneLongTaskStartsTheWindowOver() {
        var pace = WorkerPace()
        var clock: UInt64 = 1_000
        var finished = 0
        var verdicts = run(&pace, count: WorkerPace.window, task: 50, gap: 900, othersPerNode: 1, clock: &clock, finished: &finished)
        verdicts += run(&pace, count: 1, task: 5_000, gap: 900, othersPerNode: 1, clock: &clock, finished: &finished)
        verdicts += run(&pace, count: WorkerPace.window - 1, task: 50, gap: 900, othersPerNode: 1, clock: &clock, finished: &finished)
        #expect(!verdicts.contains(true))
        // A full window of short tasks after it does.
        #expect(run(&pace, count: 1, task: 50, gap: 900, othersPerNode: 1, clock: &clock, finished: &finished) == [true])
    }

    @Test func aFreshPaceForgetsTheWindow() {
        // After waiting (parked or on standby) a worker starts a new pace.
        var pace = WorkerPace()
        var clock: UInt64 = 1_000
        var finished = 0
        _ = run(&pace, count: WorkerPace.window, task: 50, gap: 900, othersPerNode: 1, clock: &clock, finished: &finished)
        pace = WorkerPace()
        let verdicts = run(&pace, count: WorkerPace.window, task: 50, gap: 900, othersPerNode: 1, clock: &clock, finished: &finished)
        #expect(!verdicts.contains(true))
    }
}
