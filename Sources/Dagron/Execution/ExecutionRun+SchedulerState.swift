@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

/// The scheduler's state of one run: each node's phase and result, the ready
/// queue, the waiting workers, the running tasks and gate waits, all behind
/// the run's one mutex (``RunStateBox``).
extension ExecutionRun {
    enum Phase: UInt8, Sendable {
        case pending, running, waitingAtGate, gatePassed, finished
    }

    enum WorkerAction {
        case run(index: Int, gatePassed: Bool, startedAt: Double)
        /// Wait for ready nodes (the queue is empty).
        case park
        /// Step back from a queue that has nodes (see ``ExecutionRun/standbyProbe``).
        case standBy
        case exit
    }

    struct State: Sendable {
        var phase: [Phase]
        var results: [NodeResult?]
        var startedAt: [Double]
        var remainingPredecessors: [Int]
        var ready: [Int] = []
        var readyHead = 0
        var finished = 0
        var idleWorkers = 0
        /// Workers that stepped back from a non-empty queue (`.standBy`).
        var standbyWorkers = 0
        var cancelled = false
        /// Why fail-fast stopped the run (`fail-fast after 'x' failed`), once
        /// a node did not complete under fail-fast.
        var failFastCause: String?
        var started = false
        var done = false
        /// The attempts running, by node.
        var runningAttempts: [Int: InFlightWork] = [:]
        var gateWaits: [Int: Task<Void, Never>] = [:]

        var readyCount: Int { ready.count - readyHead }
        /// Whether no attempt may start or wait any longer: the run was
        /// cancelled, or fail-fast stopped it (``ExecutionRun/stopFlag`` mirrors this).
        var isStopping: Bool { cancelled || failFastCause != nil }
        /// The attempts running and the gates waiting, to cancel when the run stops.
        var inFlight: [InFlightWork] { Array(runningAttempts.values) + gateWaits.values.map(InFlightWork.task) }

        mutating func popReady() -> WorkerAction? {
            while readyHead < ready.count {
                let index = ready[readyHead]
                readyHead += 1
                if readyHead == ready.count {
                    ready.removeAll(keepingCapacity: true)
                    readyHead = 0
                }
                switch phase[index] {
                case .pending where !cancelled:
                    phase[index] = .running
                    // The worker reads the clock itself, just before the task.
                    return .run(index: index, gatePassed: false, startedAt: 0)
                case .gatePassed:
                    phase[index] = .running
                    return .run(index: index, gatePassed: true, startedAt: startedAt[index])
                default:
                    continue
                }
            }
            return nil
        }

        /// Which waiting workers to wake: parked ones for the ready queue, and
        /// every waiting worker once the run is done, so they exit. Workers
        /// on standby come back by themselves.
        mutating func wakeups() -> Wakeups {
            if done {
                defer { (idleWorkers, standbyWorkers) = (0, 0) }
                return Wakeups(parked: idleWorkers, standingBy: standbyWorkers)
            }
            let wanted = min(idleWorkers, readyCount)
            idleWorkers -= wanted
            return Wakeups(parked: wanted, standingBy: 0)
        }

        /// Whether a worker may step back from the queue: it has nodes, and
        /// some other worker stays on it.
        func mayStandBy(workerCount: Int) -> Bool {
            readyCount > 0 && workerCount - idleWorkers - standbyWorkers > 1
        }
    }
}

/// What a worker that completes a node does next, decided under the same lock.
enum NextStep {
    /// Nothing: the caller is not a worker.
    case none
    /// Take the next ready node.
    case take
    /// Record the completion in the worker's pace; step back if the pace
    /// says so and another worker stays on the queue (see
    /// `ExecutionRun.standbyProbe`), otherwise take the next ready node.
    case paced(UnsafeMutablePointer<WorkerPace>)
}

/// How many waiting workers to wake, by where they wait.
struct Wakeups {
    var parked = 0
    var standingBy = 0
}

/// A node that will never run (skipped or cancelled), and its final result.
struct NeverRan {
    var index: Int
    var result: NodeResult
}
