import Testing

@testable import Dagron

/// When a worker stands by (`WorkerPace`): tasks shorter than the gaps
/// between them, while other workers keep completing nodes.
@Suite("WorkerPace")
struct WorkerPaceTests {
    /// One worker's nodes on a made-up clock (ns), and the run's count of
    /// finished nodes.
    private struct Timeline {
        var pace = WorkerPace()
        var clock: UInt64 = 1_000
        var finished = 0

        /// Runs `count` nodes whose tasks take `task` ns after a gap of `gap`
        /// ns, with `others` nodes completed by other workers before each
        /// completion; returns the verdict after each node.
        mutating func nodes(_ count: Int, task: UInt64, gap: UInt64 = 900, others: Int) -> [Bool] {
            (0..<count).map { _ in
                let began = clock + gap
                clock = began + task
                pace.taskRan(began: began, ended: clock)
                finished += others + 1
                return pace.completed(finished: finished)
            }
        }
    }

    @Test func standsByAfterAWindowOfShortTasksBesideBusyPeers() {
        var timeline = Timeline()
        // The first node after a wait has no gap to compare with.
        let verdicts = timeline.nodes(1 + WorkerPace.window, task: 50, others: 1)
        #expect(verdicts == Array(repeating: false, count: WorkerPace.window) + [true])
    }

    @Test func staysWhilePeersCompleteNothing() {
        // The peer sits in a long task: however short this worker's tasks, it keeps going.
        var timeline = Timeline()
        #expect(!timeline.nodes(1_000, task: 50, others: 0).contains(true))
    }

    @Test func staysWhenPeersCompleteTooFewInAWindow() {
        var timeline = Timeline()
        _ = timeline.nodes(1, task: 50, others: 0)
        var verdicts: [Bool] = []
        for node in 0..<(WorkerPace.window * 10) {
            // One node by a peer every other window: never enough.
            let others = node % (WorkerPace.window * 2) == 0 ? WorkerPace.othersInWindow - 1 : 0
            verdicts += timeline.nodes(1, task: 50, others: others)
        }
        #expect(!verdicts.contains(true))
    }

    @Test func tasksLongerThanTheirGapsKeepTheWorker() {
        var timeline = Timeline()
        #expect(!timeline.nodes(1_000, task: 5_000, others: 1).contains(true))
    }

    @Test func oneLongTaskStartsTheWindowOver() {
        var timeline = Timeline()
        var verdicts = timeline.nodes(WorkerPace.window, task: 50, others: 1)
        verdicts += timeline.nodes(1, task: 5_000, others: 1)
        verdicts += timeline.nodes(WorkerPace.window - 1, task: 50, others: 1)
        #expect(!verdicts.contains(true))
        // A full window of short tasks after it does.
        #expect(timeline.nodes(1, task: 50, others: 1) == [true])
    }

    @Test func aFreshPaceForgetsTheWindow() {
        // After waiting (parked or on standby) a worker starts a new pace.
        var timeline = Timeline()
        _ = timeline.nodes(WorkerPace.window, task: 50, others: 1)
        timeline.pace = WorkerPace()
        #expect(!timeline.nodes(WorkerPace.window, task: 50, others: 1).contains(true))
    }
}
