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
    private enum Phase: UInt8, Sendable {
        case pending, running, waitingAtGate, gatePassed, finished
    }

    private enum WorkerAction {
        case run(index: Int, gatePassed: Bool, startedAt: Double)
        /// Wait for ready nodes (the queue is empty).
        case park
        /// Step back from a queue that has nodes (see ``ExecutionRun/standbyProbe``).
        case standBy
        case exit
    }

    private struct State: Sendable {
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
        var started = false
        var done = false
        var runningTasks: [Int: Task<Void, Never>] = [:]
        var gateWaits: [Int: Task<Void, Never>] = [:]

        var readyCount: Int { ready.count - readyHead }

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

    private let names: [String]
    private let successors: [[Int]]
    private let topologicalIndices: [Int]
    /// The tasks indexed like `DAG.nodes` (`.none`: no task for that node).
    private let tasks: [RunTask]
    private let nodeGates: [ApprovalGate?]
    private let events: EventDelivery?
    private let workerCount: Int
    private let failFast: Bool
    private let state: RunStateBox<State>
    /// Mirrors `state.cancelled` for lock-free checks on the hot path.
    private let cancelledFlag = Atomic<Bool>(false)
    /// Parked workers wait here for ready nodes.
    private let wake = DispatchSemaphore(value: 0)
    /// Workers on standby wait here, at most ``standbyProbe`` at a time.
    private let standby = DispatchSemaphore(value: 0)
    private let completion = Mutex<(@Sendable (ExecutionResult) -> Void)?>(nil)
    private let clock = RunClock()

    init(dag: DAG, tasks: [String: NodeTask], hooks: HookRegistry?, maxWorkers: Int, failFast: Bool, gates: GateController?) {
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
    private static func tasksByIndex(_ tasks: [String: NodeTask], in dag: DAG) -> [RunTask] {
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

    private func finish() {
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
        let outcome = state.withTrackedLock { state -> (cancelled: [NeverRan], handles: [Task<Void, Never>], wakeups: Wakeups, done: Bool)? in
            guard !state.cancelled, !state.done else { return nil }
            state.cancelled = true
            cancelledFlag.store(true, ordering: .relaxed)
            guard state.started else { return ([], [], Wakeups(), false) }
            let cancelled = markPendingCancelled(&state)
            let handles = Array(state.runningTasks.values) + Array(state.gateWaits.values)
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

    private func markPendingCancelled(_ state: inout State) -> [NeverRan] {
        var cancelled: [NeverRan] = []
        for index in topologicalIndices where state.phase[index] == .pending {
            let result = NodeResult(name: names[index], status: .cancelled, error: NodeCancelledError(node: names[index]))
            state.results[index] = result
            state.phase[index] = .finished
            state.finished += 1
            cancelled.append(NeverRan(index: index, result: result))
        }
        return cancelled
    }

    private var isCancelled: Bool { cancelledFlag.load(ordering: .relaxed) }

    // MARK: Workers

    /// How long a worker on standby waits before it takes a node again.
    ///
    /// A worker steps back from a queue that has nodes when its recent tasks
    /// each took less time than the work between them (delivering events,
    /// scheduling) while other workers kept completing nodes (see
    /// ``WorkerPace``): with tasks that short, the run is bound by its
    /// one-at-a-time event delivery, and a second worker only makes the two
    /// contend for it (on this class of machine, up to twice the cost per
    /// node). Another worker always stays on the queue. A worker on standby
    /// takes a node again after this long and stays if its tasks take
    /// longer, so ready nodes wait behind a slow task for at most about this
    /// long.
    static let standbyProbe: DispatchTimeInterval = .microseconds(500)

    private func workerLoop() {
        // Callbacks run on this thread: let a crash handler run even if plugin code overflows its stack.
        dagron_crash_guard_prepare_thread()
        // A worker that completes a node takes its next one in the same
        // critical section (see `complete`), so a node costs one lock, not two.
        var next: WorkerAction?
        var backFromStandby = false
        // Only this thread touches it (`record` updates it under the state lock).
        let pace = UnsafeMutablePointer<WorkerPace>.allocate(capacity: 1)
        pace.initialize(to: WorkerPace())
        defer {
            pace.deinitialize(count: 1)
            pace.deallocate()
        }
        while true {
            let action = next ?? state.withTrackedLock { state -> WorkerAction in
                // Once the run is done, `wakeups` no longer counts a worker on standby.
                if state.done { return .exit }
                if backFromStandby { state.standbyWorkers -= 1 }
                if let next = state.popReady() { return next }
                state.idleWorkers += 1
                return .park
            }
            next = nil
            backFromStandby = false
            switch action {
            case .exit: return
            case .park:
                wake.wait()
                pace.pointee = WorkerPace()
            case .standBy:
                _ = standby.wait(timeout: .now() + Self.standbyProbe)
                pace.pointee = WorkerPace()
                backFromStandby = true
            case .run(let index, let gatePassed, let startedAt):
                next = process(index, gatePassed: gatePassed, startedAt: startedAt, pace: pace)
            }
        }
    }

    /// Wakes waiting workers (usually none: a plain loop, inlined).
    @inline(__always)
    private func signal(_ wakeups: Wakeups) {
        var parked = wakeups.parked
        while parked > 0 { wake.signal(); parked -= 1 }
        var standingBy = wakeups.standingBy
        while standingBy > 0 { standby.signal(); standingBy -= 1 }
    }

    /// Runs node `index` on the calling worker; returns the worker's next
    /// action when completing the node already took one. `pace` is the
    /// worker's record of its recent tasks.
    private func process(_ index: Int, gatePassed: Bool, startedAt: Double, pace: UnsafeMutablePointer<WorkerPace>) -> WorkerAction? {
        let name = names[index]
        if !gatePassed, let gate = nodeGates[index] {
            let arrived = clock.wallNow()
            state.withTrackedLock { $0.startedAt[index] = arrived }
            events?.fire(.preNode, node: name, index: index)
            waitAtGate(index, name: name, gate: gate)
            return nil
        }
        let task = tasks[index]
        if case .none = task {
            if gatePassed {
                // An approved gate without a task of its own simply completes.
                let now = clock.wallNow()
                let cancelled = isCancelled
                return complete(index, NodeResult(
                    name: name, status: cancelled ? .cancelled : .completed,
                    durationSeconds: max(0, now - startedAt), startedAt: startedAt, finishedAt: now,
                    error: cancelled ? NodeCancelledError(node: name) : nil), completed: !cancelled, ranTask: true,
                    next: .take)
            } else {
                return complete(index, NodeResult(name: name, status: .skipped, skipReason: "no task was given for this node"),
                                completed: false, ranTask: false, next: .take)
            }
        }
        if !gatePassed { events?.fire(.preNode, node: name, index: index) }
        let began = clock.now()
        let timing = TaskTiming(began: began, gatePassed: gatePassed, arrivedAt: startedAt)
        if case .direct(let body) = task, !isCancelled {
            // The common case: one call, no retries. The value is handed on
            // (not copied) into the node's result.
            do {
                return finishTask(
                    index, name: name, .completed, output: try body(), failure: nil, attempts: 1, timing, pace)
            } catch {
                let (status, failure) = classify(error, node: name)
                return finishTask(index, name: name, status, output: nil, failure: failure, attempts: 1, timing, pace)
            }
        }
        // A task with a timeout or retries, an async task, or a run that was
        // cancelled before this node started (no attempt at all).
        var status = NodeOutcome.cancelled
        var output: (any Sendable)?
        var failure: (any Error)?
        var attempts = 0
        if case .general(let box) = task {
            while !isCancelled {
                attempts += 1
                switch runAttempt(index, name: name, task: box.task) {
                case .success(let value):
                    (status, output, failure) = (.completed, value, nil)
                case .failure(let error):
                    output = nil
                    (status, failure) = classify(error, node: name)
                }
                guard status == .failed || status == .timedOut, attempts <= box.task.retries else { break }
                pause(box.task.retryDelay)
            }
        }
        if status == .cancelled && failure == nil { failure = NodeCancelledError(node: name) }
        return finishTask(index, name: name, status, output: output, failure: failure, attempts: attempts, timing, pace)
    }

    /// When a task began, and for a gate node when it arrived at the gate.
    private struct TaskTiming {
        var began: UInt64
        var gatePassed: Bool
        var arrivedAt: Double
    }

    /// What an attempt's error means for the node.
    private func classify(_ error: any Error, node name: String) -> (NodeOutcome, any Error) {
        if error is NodeTimeoutError { return (.timedOut, error) }
        if error is NodeCancelledError { return (.cancelled, error) }
        if error is CancellationError { return (.cancelled, NodeCancelledError(node: name)) }
        return (.failed, error)
    }

    /// Builds the result of a node whose task ran and completes the node.
    private func finishTask(
        _ index: Int, name: String, _ status: NodeOutcome, output: consuming (any Sendable)?,
        failure: consuming (any Error)?, attempts: Int, _ timing: TaskTiming, _ pace: UnsafeMutablePointer<WorkerPace>
    ) -> WorkerAction? {
        let ended = clock.now()
        pace.pointee.taskRan(began: timing.began, ended: ended)
        let finishedAt = clock.wall(ended)
        // A gate node's duration spans the wait as well as the task.
        let duration = timing.gatePassed
            ? max(0, finishedAt - timing.arrivedAt) : RunClock.seconds(from: timing.began, to: ended)
        // Most tasks return nothing and do not fail: then there is no report
        // to look for. Checked here rather than only in `processReport`:
        // passing the optional existentials to it copies them through runtime
        // value witnesses, inlined or not (callgrind: ~85 instructions a node).
        let report = output == nil && failure == nil ? nil : Self.processReport(output, failure)
        let result = NodeResult(
            name: name, status: status.nodeStatus, durationSeconds: duration,
            startedAt: timing.gatePassed ? timing.arrivedAt : clock.wall(timing.began), finishedAt: finishedAt,
            error: failure, output: output,
            exitCode: report?.exitCode, attempts: attempts, stderrTail: report?.stderrTail, job: report?.job)
        return complete(index, result, completed: status == .completed, ranTask: true, next: .paced(pace))
    }

    /// The exit code and standard error a task's value or error carries.
    /// Only values that exist can carry a report; the cast is not free.
    private static func processReport(_ output: (any Sendable)?, _ failure: (any Error)?) -> (any ProcessReport)? {
        if let output { output as? any ProcessReport } else if let failure { failure as? any ProcessReport } else { nil }
    }

    /// Sleeps for `delay`, waking early if the execution is cancelled.
    private func pause(_ delay: Duration) {
        var remaining = delay.seconds
        while remaining > 0 && !isCancelled {
            let slice = min(remaining, 0.05)
            Thread.sleep(forTimeInterval: slice)
            remaining -= slice
        }
    }

    // MARK: Running one attempt

    /// Runs one attempt of a task the worker does not simply call: one with
    /// a timeout (a sync body then runs on a thread of its own) or retries,
    /// or an async one.
    private func runAttempt(_ index: Int, name: String, task: NodeTask) -> Result<(any Sendable)?, any Error> {
        switch task.body {
        case .sync(let body):
            guard let timeout = task.timeout else {
                return Result { try body() }
            }
            // A sync closure cannot be interrupted: run it on a thread of its
            // own and stop waiting for it at the deadline.
            let outcome = AttemptOutcome()
            Thread.detachNewThread {
                outcome.set(Result { try body() })
            }
            return outcome.wait(timeout: timeout) ?? .failure(NodeTimeoutError(node: name, seconds: timeout.seconds))
        case .async(let body):
            let outcome = AttemptOutcome()
            let handle = Task {
                do {
                    outcome.set(.success(try await body()))
                } catch {
                    outcome.set(.failure(error))
                }
            }
            let cancelledAlready = state.withTrackedLock { state in
                state.runningTasks[index] = handle
                return state.cancelled
            }
            if cancelledAlready { handle.cancel() }
            defer { state.withTrackedLock { _ = $0.runningTasks.removeValue(forKey: index) } }
            guard let timeout = task.timeout else { return outcome.wait(timeout: nil)! }
            if let result = outcome.wait(timeout: timeout) { return result }
            // Timed out: cancel and give the task a moment to clean up (a
            // process task kills its process group), so nothing outlives the node.
            handle.cancel()
            let report: (any ProcessReport)? = switch outcome.wait(timeout: .seconds(10)) {
            case .success(let value)?: value as? any ProcessReport
            case .failure(let error)?: error as? any ProcessReport
            case nil: nil
            }
            return .failure(NodeTimeoutError(
                node: name, seconds: timeout.seconds, exitCode: report?.exitCode, stderrTail: report?.stderrTail,
                job: report?.job))
        }
    }

    // MARK: Gates

    private func waitAtGate(_ index: Int, name: String, gate: ApprovalGate) {
        gate.arm()
        state.withTrackedLock { $0.phase[index] = .waitingAtGate }
        events?.fire(.gateWaiting, node: name, index: index)
        let waiter = Task { [self] in
            let outcome = await gate.wait()
            gateResolved(index, name: name, gate: gate, outcome: outcome)
        }
        let cancelledAlready = state.withTrackedLock { state in
            if state.phase[index] == .waitingAtGate { state.gateWaits[index] = waiter }
            return state.cancelled
        }
        if cancelledAlready { waiter.cancel() }
    }

    private func gateResolved(_ index: Int, name: String, gate: ApprovalGate, outcome: GateOutcome) {
        let label: String
        switch outcome {
        case .approved: label = "approved"
        case .rejected: label = "rejected"
        case .timedOut: label = "timed_out"
        case .cancelled: label = "cancelled"
        }
        var metadata = ["outcome": label]
        if case .rejected(let reason?) = outcome { metadata["reason"] = reason }
        events?.fire(.gateResolved, node: name, index: index, metadata: metadata)

        let startedAt = state.withTrackedLock { state in
            _ = state.gateWaits.removeValue(forKey: index)
            return state.startedAt[index]
        }
        let status: NodeStatus
        let error: any Error
        switch outcome {
        case .approved:
            let wakeups = state.withTrackedLock { state -> Wakeups in
                state.phase[index] = .gatePassed
                state.ready.append(index)
                return state.wakeups()
            }
            signal(wakeups)
            return
        case .rejected(let reason):
            (status, error) = (.failed, GateError.rejected(gate: name, reason: reason))
        case .timedOut:
            (status, error) = (.timedOut, GateError.timedOut(gate: name, seconds: gate.timeoutSeconds ?? 0))
        case .cancelled:
            (status, error) = (.cancelled, NodeCancelledError(node: name))
        }
        let now = clock.wallNow()
        complete(index, NodeResult(
            name: name, status: status, durationSeconds: max(0, now - startedAt),
            startedAt: startedAt, finishedAt: now, error: error), completed: false, ranTask: true)
    }

    // MARK: Completion

    /// Records a final result, fires its event, releases or skips successors,
    /// wakes workers, and finishes the execution after the last node. With
    /// `next` other than `.none` (the caller is a worker), also takes the
    /// caller's next ready node (or sends it to standby) under the same lock
    /// and returns it.
    @discardableResult
    private func complete(_ index: Int, _ result: NodeResult, completed: Bool, ranTask: Bool, next: NextStep = .none) -> WorkerAction? {
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
    private func record(_ index: Int, _ result: NodeResult, completed: Bool, ranTask: Bool, next step: NextStep) -> WorkerAction? {
        let (skipped, wakeups, done, next) = state.withTrackedLock { state -> ([NeverRan], Wakeups, Bool, WorkerAction?) in
            state.results[index] = result
            state.phase[index] = .finished
            state.finished += 1
            var skipped: [NeverRan] = []
            if completed {
                for next in successors[index] {
                    state.remainingPredecessors[next] -= 1
                    if state.remainingPredecessors[next] == 0 && state.phase[next] == .pending {
                        state.ready.append(next)
                    }
                }
            } else {
                skipped = skipAfterFailure(of: index, ranTask: ranTask, &state)
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
            return (skipped, state.wakeups(), state.done, next)
        }
        if !skipped.isEmpty { reportNeverRan(skipped) }
        signal(wakeups)
        if done { finish() }
        return next
    }

    /// Marks as skipped what can no longer run after `index` did not complete:
    /// its descendants, and with fail-fast every node not started yet.
    private func skipAfterFailure(of index: Int, ranTask: Bool, _ state: inout State) -> [NeverRan] {
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
    private func reportNeverRan(_ nodes: [NeverRan]) {
        guard let events else { return }
        for node in nodes {
            events.fire(.nodeSkipped, node: names[node.index], index: node.index, result: node.result)
        }
    }
}

/// What a worker that completes a node does next, decided under the same lock.
private enum NextStep {
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
private struct Wakeups {
    var parked = 0
    var standingBy = 0
}

/// A node that will never run (skipped or cancelled), and its final result.
struct NeverRan {
    var index: Int
    var result: NodeResult
}

/// How an attempt ended, without touching the SDK's resilient `NodeStatus`
/// on the hot path.
private enum NodeOutcome {
    case completed, failed, timedOut, cancelled

    var nodeStatus: NodeStatus {
        switch self {
        case .completed: .completed
        case .failed: .failed
        case .timedOut: .timedOut
        case .cancelled: .cancelled
        }
    }
}

/// The result of one attempt, handed from the thread or task that ran it to
/// the worker waiting for it.
private final class AttemptOutcome: Sendable {
    private let value = Mutex<Result<(any Sendable)?, any Error>?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func set(_ result: Result<(any Sendable)?, any Error>) {
        value.withTrackedLock { $0 = result }
        ready.signal()
    }

    /// Waits up to `timeout` (forever when `nil`); `nil` if it did not arrive.
    func wait(timeout: Duration?) -> Result<(any Sendable)?, any Error>? {
        if let timeout {
            // Saturating: a timeout past Int64 nanoseconds (about 292 years) waits as long as Dispatch can.
            let (whole, overflow) = timeout.components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
            let (nanos, carry) = whole.addingReportingOverflow(timeout.components.attoseconds / 1_000_000_000)
            let bounded = overflow || carry ? (timeout < .zero ? 0 : Int64.max) : max(0, nanos)
            if ready.wait(timeout: .now() + .nanoseconds(Int(clamping: bounded))) == .timedOut { return nil }
        } else {
            ready.wait()
        }
        return value.withTrackedLock { $0 }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
