@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

/// One execution of a DAG: the scheduler state, the worker threads, and the
/// gate waits. See ``DAGExecutor`` for the behaviour it implements.
///
/// The hot path (pop a ready node, run it, record it, release successors)
/// takes the state mutex once per node (recording a result and taking the
/// worker's next node share a critical section) and builds each node's `NodeResult`
/// exactly once; per-node bookkeeping lives in plain arrays indexed like
/// `DAG.nodes`.
final class ExecutionRun: Sendable {
    let names: [String]
    let successors: [[Int]]
    let topologicalIndices: [Int]
    /// The tasks indexed like `DAG.nodes` (`.none`: no task for that node).
    let tasks: [RunTask]
    let nodeGates: [ApprovalGate?]
    let events: EventDelivery?
    let workerCount: Int
    let failFast: Bool
    let state: RunStateBox<State>
    /// Set once no new attempt may start: the run was cancelled
    /// (`state.cancelled`) or fail-fast stopped it (`state.failFastCause`).
    /// Mirrors those for lock-free checks on the hot path.
    let stopFlag = Atomic<Bool>(false)
    /// Parked workers wait here for ready nodes.
    let wake = DispatchSemaphore(value: 0)
    /// Workers on standby wait here, at most ``standbyProbe`` at a time.
    let standby = DispatchSemaphore(value: 0)
    let completion = Mutex<(@Sendable (ExecutionResult) -> Void)?>(nil)
    let clock = RunClock()

    init(
        dag: DAG, tasks: [String: NodeTask], hooks: HookRegistry?, maxWorkers: Int, failFast: Bool,
        gates: GateController?
    ) {
        let names = dag.nodeNames
        self.names = names
        self.successors = dag.successorIndexLists
        self.topologicalIndices = dag.topologicalIndices
        self.tasks = Self.tasksByIndex(tasks, in: dag)
        self.nodeGates = names.map { gates?.gate(named: $0) }
        self.events = hooks.map { EventDelivery(hooks: $0, dag: dag, gates: gates) }
        self.workerCount = max(1, min(maxWorkers, names.count))
        self.failFast = failFast
        let count = names.count
        var initial = State(
            phase: Array(repeating: .pending, count: count),
            results: Array(repeating: nil, count: count),
            startedAt: Array(repeating: 0, count: count),
            remainingPredecessors: dag.predecessorIndexLists.map { $0.count })
        initial.ready.reserveCapacity(count)
        for index in topologicalIndices where initial.remainingPredecessors[index] == 0 {
            initial.ready.append(index)
        }
        state = RunStateBox(initial)
    }

    /// The caller's tasks in node order. The dictionary is read in its own
    /// storage order (sequential memory, and lookups in the DAG's index that
    /// do not depend on each other, so their cache misses overlap); workers
    /// then read the tasks in the order nodes run. Names that are not nodes
    /// are ignored.
    static func tasksByIndex(_ tasks: [String: NodeTask], in dag: DAG) -> [RunTask] {
        var byIndex = [RunTask](repeating: .none, count: dag.nodeCount)
        for (name, task) in tasks {
            if let index = dag.index(of: name) { byIndex[index] = RunTask(task) }
        }
        return byIndex
    }

    // MARK: Start and finish

    func start(_ onFinish: @escaping @Sendable (ExecutionResult) -> Void) {
        completion.withTrackedLock { $0 = onFinish }
        events?.fire(.preExecute)
        let (alreadyDone, cancelledEarly) = state.withTrackedLock { state -> (Bool, [NeverRan]) in
            state.started = true
            var cancelled: [NeverRan] = []
            if state.cancelled { cancelled = markPendingCancelled(&state) }
            if state.finished == names.count { state.done = true }
            return (state.done, cancelled)
        }
        reportNeverRan(cancelledEarly)
        if alreadyDone {
            finish()
            return
        }
        for number in 0..<workerCount {
            let thread = Thread { [self] in workerLoop() }
            thread.name = "dagron-worker-\(number)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    func finish() {
        let (recorded, cancelled) = state.withTrackedLock { ($0.results, $0.cancelled) }
        var results: [NodeResult] = []
        results.reserveCapacity(recorded.count)
        for (index, result) in recorded.enumerated() {
            results.append(result ?? NodeResult(name: names[index], status: .cancelled))
        }
        let elapsed = clock.secondsSinceStart()
        let result = ExecutionResult(results: results, totalDurationSeconds: elapsed, wasCancelled: cancelled)
        events?.fire(.postExecute, executionResult: result)
        let callback = completion.withTrackedLock { callback in
            defer { callback = nil }
            return callback
        }
        callback?(result)
    }

    // MARK: Cancellation

    func cancel() {
        let outcome = state.withTrackedLock {
            state -> (cancelled: [NeverRan], handles: [InFlightWork], wakeups: Wakeups, done: Bool)? in
            guard !state.cancelled, !state.done else { return nil }
            state.cancelled = true
            stopFlag.store(true, ordering: .relaxed)
            guard state.started else { return ([], [], Wakeups(), false) }
            let cancelled = markPendingCancelled(&state)
            let handles = state.inFlight
            let finishedNow = state.finished == names.count
            if finishedNow { state.done = true }
            // Wake everyone parked: idle workers exit, or pick up gate-passed
            // nodes to cancel them (workers on standby come back by themselves).
            let wakeups = state.done ? state.wakeups() : Wakeups(parked: state.idleWorkers, standingBy: 0)
            state.idleWorkers = 0
            return (cancelled, handles, wakeups, finishedNow)
        }
        guard let outcome else { return }
        reportNeverRan(outcome.cancelled)
        for handle in outcome.handles { handle.cancel() }
        signal(outcome.wakeups)
        if outcome.done { finish() }
    }

    func markPendingCancelled(_ state: inout State) -> [NeverRan] {
        var cancelled: [NeverRan] = []
        for index in topologicalIndices where state.phase[index] == .pending {
            let result = NodeResult(
                name: names[index], status: .cancelled, error: NodeCancelledError(node: names[index]))
            state.results[index] = result
            state.phase[index] = .finished
            state.finished += 1
            cancelled.append(NeverRan(index: index, result: result))
        }
        return cancelled
    }

    /// Whether attempts may no longer start (the run was cancelled, or fail-fast stopped it).
    var isStopping: Bool { stopFlag.load(ordering: .relaxed) }

    /// Under fail-fast, the first node that did not complete stops the run:
    /// no attempt starts from now on, and the attempts running and the gates
    /// waiting are cancelled (the caller cancels the returned tasks, outside
    /// the lock); they end `cancelled`, saying why (``cancellationError(of:from:)``).
    /// Nothing when the run was cancelled or an earlier failure stopped it.
    func stopForFailFast(after index: Int, _ state: inout State) -> [InFlightWork] {
        guard !state.isStopping else { return [] }
        let how: String =
            switch state.results[index]?.status {
            case .failed?: "failed"
            case .timedOut?: "timed out"
            case .cancelled?: "was cancelled"
            default: "did not complete"
            }
        state.failFastCause = "fail-fast after '\(names[index])' \(how)"
        stopFlag.store(true, ordering: .relaxed)
        return state.inFlight
    }

    /// The error of node `name`, which ended `cancelled` with `failure` (or
    /// none): when fail-fast stopped the run (and it was not cancelled), a
    /// ``NodeCancelledError`` that says so and keeps the stopped job's report.
    func cancellationError(of name: String, from failure: (any Error)?) -> any Error {
        let cause = state.withTrackedLock { $0.cancelled ? nil : $0.failFastCause }
        guard let cause else { return failure ?? NodeCancelledError(node: name) }
        let stopped = failure as? NodeCancelledError
        return NodeCancelledError(
            node: name, exitCode: stopped?.exitCode, stderrTail: stopped?.stderrTail, job: stopped?.job, reason: cause)
    }

    // MARK: Completion

    /// Records a final result, fires its event, releases or skips successors,
    /// wakes workers, and finishes the execution after the last node. With
    /// `next` other than `.none` (the caller is a worker), also takes the
    /// caller's next ready node (or sends it to standby) under the same lock
    /// and returns it.
    @discardableResult
    func complete(_ index: Int, _ result: NodeResult, completed: Bool, ranTask: Bool, next: NextStep = .none)
        -> WorkerAction?
    {
        if let events {
            if !ranTask {
                events.fire(.nodeSkipped, node: names[index], index: index, result: result)
            } else if completed {
                events.fire(.postNode, node: names[index], index: index, result: result)
            } else {
                events.fire(.onError, node: names[index], index: index, result: result, error: result.error)
            }
        }
        return record(index, result, completed: completed, ranTask: ranTask, next: next)
    }

    /// The bookkeeping half of ``complete``.
    func record(_ index: Int, _ result: NodeResult, completed: Bool, ranTask: Bool, next step: NextStep)
        -> WorkerAction?
    {
        let (skipped, stopped, wakeups, done, next) = state.withTrackedLock {
            state -> ([NeverRan], [InFlightWork], Wakeups, Bool, WorkerAction?) in
            state.results[index] = result
            state.phase[index] = .finished
            state.finished += 1
            var skipped: [NeverRan] = []
            var stopped: [InFlightWork] = []
            if completed {
                for next in successors[index] {
                    state.remainingPredecessors[next] -= 1
                    if state.remainingPredecessors[next] == 0 && state.phase[next] == .pending {
                        state.ready.append(next)
                    }
                }
            } else {
                skipped = skipAfterFailure(of: index, ranTask: ranTask, &state)
                if failFast && ranTask { stopped = stopForFailFast(after: index, &state) }
            }
            if state.finished == names.count { state.done = true }
            var next: WorkerAction?
            if !state.done {
                switch step {
                case .none: break
                case .take: next = state.popReady()
                case .paced(let pace):
                    if pace.pointee.completed(finished: state.finished) && state.mayStandBy(workerCount: workerCount) {
                        state.standbyWorkers += 1
                        next = .standBy
                    } else {
                        next = state.popReady()
                    }
                }
            }
            return (skipped, stopped, state.wakeups(), state.done, next)
        }
        for task in stopped { task.cancel() }
        if !skipped.isEmpty { reportNeverRan(skipped) }
        signal(wakeups)
        if done { finish() }
        return next
    }

    /// Marks as skipped what can no longer run after `index` did not complete:
    /// its descendants, and with fail-fast every node not started yet (the
    /// running ones are cancelled by ``stopForFailFast(after:_:)``).
    func skipAfterFailure(of index: Int, ranTask: Bool, _ state: inout State) -> [NeverRan] {
        let culprit = names[index]
        let how = ranTask ? "did not complete (\(state.results[index]?.status.rawValue ?? "failed"))" : "was skipped"
        var skipped: [Int: String] = [:]
        var stack = successors[index]
        while let next = stack.popLast() {
            guard state.phase[next] == .pending, skipped[next] == nil else { continue }
            skipped[next] = "upstream '\(culprit)' \(how)"
            stack.append(contentsOf: successors[next])
        }
        if failFast && ranTask {
            for other in topologicalIndices where state.phase[other] == .pending && skipped[other] == nil {
                skipped[other] = "fail-fast: '\(culprit)' \(how)"
            }
        }
        var results: [NeverRan] = []
        for other in topologicalIndices {
            guard let reason = skipped[other] else { continue }
            let result = NodeResult(name: names[other], status: .skipped, skipReason: reason)
            state.results[other] = result
            state.phase[other] = .finished
            state.finished += 1
            results.append(NeverRan(index: other, result: result))
        }
        return results
    }

    /// Fires `node_skipped` for nodes that never ran (skipped or cancelled).
    func reportNeverRan(_ nodes: [NeverRan]) {
        guard let events else { return }
        for node in nodes {
            events.fire(.nodeSkipped, node: names[node.index], index: node.index, result: node.result)
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
