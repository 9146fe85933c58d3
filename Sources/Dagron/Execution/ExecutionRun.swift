import DagronSDK
import Foundation
import Synchronization

/// One execution of a DAG: the scheduler state, the worker threads, and the
/// gate waits. See ``DAGExecutor`` for the behaviour it implements.
final class ExecutionRun: Sendable {
    private enum WorkerAction {
        case run(Int)
        case park
        case exit
    }

    private struct State: Sendable {
        var results: [NodeResult]
        var remainingPredecessors: [Int]
        var ready: [Int] = []
        var readyHead = 0
        var gatePassed: Set<Int> = []
        var finished = 0
        var idleWorkers = 0
        var cancelled = false
        var started = false
        var done = false
        var runningTasks: [Int: Task<Void, Never>] = [:]
        var gateWaits: [Int: Task<Void, Never>] = [:]

        var readyCount: Int { ready.count - readyHead }

        mutating func popReady() -> Int? {
            while readyHead < ready.count {
                let index = ready[readyHead]
                readyHead += 1
                if readyHead == ready.count {
                    ready.removeAll(keepingCapacity: true)
                    readyHead = 0
                }
                if results[index].status == .pending && !cancelled { return index }
                if gatePassed.contains(index) { return index }
            }
            return nil
        }

        /// How many parked workers to wake for the ready queue, keeping
        /// `reserve` items for the calling worker, which takes them itself.
        mutating func wakeups(reserve: Int) -> Int {
            if done {
                let all = idleWorkers
                idleWorkers = 0
                return all
            }
            let wanted = min(idleWorkers, max(0, readyCount - reserve))
            idleWorkers -= wanted
            return wanted
        }
    }

    let dag: DAG
    private let tasks: [NodeTask?]
    private let nodeGates: [ApprovalGate?]
    private let events: EventDelivery?
    private let workerCount: Int
    private let failFast: Bool
    private let gates: GateController?
    private let state: Mutex<State>
    private let wake = DispatchSemaphore(value: 0)
    private let completion = Mutex<(@Sendable (ExecutionResult) -> Void)?>(nil)
    private let startedAt = DispatchTime.now().uptimeNanoseconds

    init(dag: DAG, tasks: [String: NodeTask], hooks: HookRegistry?, maxWorkers: Int, failFast: Bool, gates: GateController?) {
        self.dag = dag
        self.tasks = dag.nodes.map { tasks[$0.name] }
        self.nodeGates = dag.nodes.map { gates?.gate(named: $0.name) }
        self.events = hooks.map { EventDelivery(hooks: $0, dag: dag, gates: gates) }
        self.workerCount = max(1, min(maxWorkers, dag.nodeCount))
        self.failFast = failFast
        self.gates = gates
        var initial = State(
            results: dag.nodes.map { NodeResult(name: $0.name, status: .pending) },
            remainingPredecessors: dag.nodes.indices.map { dag.predecessorIndices(of: $0).count })
        initial.ready.reserveCapacity(dag.nodeCount)
        for index in dag.topologicalIndices where initial.remainingPredecessors[index] == 0 {
            initial.ready.append(index)
        }
        state = Mutex(initial)
    }

    // MARK: Start and finish

    func start(_ onFinish: @escaping @Sendable (ExecutionResult) -> Void) {
        completion.withLock { $0 = onFinish }
        events?.fire(.preExecute)
        let (alreadyDone, cancelledEarly) = state.withLock { state -> (Bool, [Int]) in
            state.started = true
            var cancelled: [Int] = []
            if state.cancelled { cancelled = markPendingCancelled(&state) }
            if state.finished == state.results.count { state.done = true }
            return (state.done, cancelled)
        }
        reportNeverRan(cancelledEarly)
        if alreadyDone {
            finish()
            return
        }
        for number in 0..<workerCount {
            let thread = Thread { [self] in workerLoop() }
            thread.stackSize = 1 << 20
            thread.name = "dagron-worker-\(number)"
            thread.start()
        }
    }

    private func finish() {
        let (results, cancelled) = state.withLock { ($0.results, $0.cancelled) }
        var byName: [String: NodeResult] = [:]
        byName.reserveCapacity(results.count)
        for result in results { byName[result.name] = result }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - startedAt) / 1e9
        let result = ExecutionResult(nodeResults: byName, totalDurationSeconds: elapsed, wasCancelled: cancelled)
        events?.fire(.postExecute, executionResult: result)
        let callback = completion.withLock { callback in
            defer { callback = nil }
            return callback
        }
        callback?(result)
    }

    // MARK: Cancellation

    func cancel() {
        let outcome = state.withLock { state -> (cancelled: [Int], handles: [Task<Void, Never>], wakeups: Int, done: Bool)? in
            guard !state.cancelled, !state.done else { return nil }
            state.cancelled = true
            guard state.started else { return ([], [], 0, false) }
            let cancelled = markPendingCancelled(&state)
            let handles = Array(state.runningTasks.values) + Array(state.gateWaits.values)
            let finishedNow = state.finished == state.results.count
            if finishedNow { state.done = true }
            // Wake everyone: idle workers exit, or pick up gate-passed nodes to cancel them.
            let wakeups = state.idleWorkers
            state.idleWorkers = 0
            return (cancelled, handles, wakeups, finishedNow)
        }
        guard let outcome else { return }
        reportNeverRan(outcome.cancelled)
        for handle in outcome.handles { handle.cancel() }
        for _ in 0..<outcome.wakeups { wake.signal() }
        if outcome.done { finish() }
    }

    private func markPendingCancelled(_ state: inout State) -> [Int] {
        var cancelled: [Int] = []
        for index in dag.topologicalIndices where state.results[index].status == .pending {
            state.results[index].status = .cancelled
            state.results[index].error = NodeCancelledError(node: state.results[index].name)
            state.finished += 1
            cancelled.append(index)
        }
        return cancelled
    }

    // MARK: Workers

    private func workerLoop() {
        while true {
            let action = state.withLock { state -> WorkerAction in
                if state.done { return .exit }
                if let index = state.popReady() { return .run(index) }
                state.idleWorkers += 1
                return .park
            }
            switch action {
            case .exit: return
            case .park: wake.wait()
            case .run(let index): process(index)
            }
        }
    }

    private func process(_ index: Int) {
        let name = dag.nodes[index].name
        let task = tasks[index]
        let gate = nodeGates[index]
        let gatePassed = state.withLock { state -> Bool in
            if state.gatePassed.remove(index) != nil { return true }
            if task != nil || gate != nil {
                state.results[index].status = .running
                state.results[index].startedAt = WallClock.now()
            }
            return false
        }
        if !gatePassed, let gate {
            events?.fire(.preNode, node: name)
            waitAtGate(index, name: name, gate: gate)
            return
        }
        guard let task else {
            if gatePassed {
                // An approved gate without a task of its own simply completes.
                var result = state.withLock { $0.results[index] }
                result.status = isCancelled ? .cancelled : .completed
                if result.status == .cancelled { result.error = NodeCancelledError(node: name) }
                stamp(&result)
                complete(index, result, ranTask: true)
            } else {
                complete(index, NodeResult(name: name, status: .skipped, skipReason: "no task was given for this node"), ranTask: false)
            }
            return
        }
        if !gatePassed { events?.fire(.preNode, node: name) }
        let began = DispatchTime.now().uptimeNanoseconds
        var result = state.withLock { $0.results[index] }
        var attempt = 0
        while true {
            if isCancelled {
                result.status = .cancelled
                result.error = NodeCancelledError(node: name)
                break
            }
            attempt += 1
            result.attempts = attempt
            switch runAttempt(index, name: name, task: task) {
            case .success(let output):
                result.status = .completed
                result.output = output
                result.error = nil
                copyProcessReport(output, into: &result)
            case .failure(let error):
                result.output = nil
                result.error = error
                copyProcessReport(error, into: &result)
                if error is NodeTimeoutError {
                    result.status = .timedOut
                } else if error is CancellationError || error is NodeCancelledError {
                    result.status = .cancelled
                    result.error = NodeCancelledError(node: name)
                } else {
                    result.status = .failed
                }
            }
            guard result.status == .failed || result.status == .timedOut, attempt <= task.retries else { break }
            pause(task.retryDelay)
        }
        if gatePassed {
            stamp(&result)
        } else {
            result.finishedAt = WallClock.now()
            result.durationSeconds = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
        }
        complete(index, result, ranTask: true)
    }

    /// Sets the end time of a gate node; its duration spans the wait and the task.
    private func stamp(_ result: inout NodeResult) {
        let now = WallClock.now()
        result.finishedAt = now
        result.durationSeconds = max(0, now - (result.startedAt ?? now))
    }

    private var isCancelled: Bool { state.withLock { $0.cancelled } }

    private func copyProcessReport(_ value: Any?, into result: inout NodeResult) {
        guard let report = value as? any ProcessReport else { return }
        result.exitCode = report.exitCode
        result.stderrTail = report.stderrTail
    }

    /// Sleeps for `delay`, waking early if the execution is cancelled.
    private func pause(_ delay: Duration) {
        var remaining = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        while remaining > 0 && !isCancelled {
            let slice = min(remaining, 0.05)
            Thread.sleep(forTimeInterval: slice)
            remaining -= slice
        }
    }

    // MARK: Running one attempt

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
            let cancelledAlready = state.withLock { state in
                state.runningTasks[index] = handle
                return state.cancelled
            }
            if cancelledAlready { handle.cancel() }
            defer { state.withLock { _ = $0.runningTasks.removeValue(forKey: index) } }
            guard let timeout = task.timeout else { return outcome.wait(timeout: nil)! }
            if let result = outcome.wait(timeout: timeout) { return result }
            // Timed out: cancel and give the task a moment to clean up (a
            // process task kills its process group), so nothing outlives the node.
            handle.cancel()
            _ = outcome.wait(timeout: .seconds(10))
            return .failure(NodeTimeoutError(node: name, seconds: timeout.seconds))
        }
    }

    // MARK: Gates

    private func waitAtGate(_ index: Int, name: String, gate: ApprovalGate) {
        gate.arm()
        events?.fire(.gateWaiting, node: name)
        let cancelledAlready = state.withLock { $0.cancelled }
        let waiter = Task { [self] in
            let outcome = await gate.wait()
            gateResolved(index, name: name, gate: gate, outcome: outcome)
        }
        state.withLock { state in
            if state.results[index].status == .running { state.gateWaits[index] = waiter }
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
        events?.fire(.gateResolved, node: name, metadata: metadata)

        var result = state.withLock { state in
            _ = state.gateWaits.removeValue(forKey: index)
            return state.results[index]
        }
        stamp(&result)
        switch outcome {
        case .approved:
            let wakeups = state.withLock { state -> Int in
                state.gatePassed.insert(index)
                state.ready.append(index)
                return state.wakeups(reserve: 0)
            }
            for _ in 0..<wakeups { wake.signal() }
            return
        case .rejected(let reason):
            result.status = .failed
            result.error = GateError.rejected(gate: name, reason: reason)
        case .timedOut:
            result.status = .timedOut
            result.error = GateError.timedOut(gate: name, seconds: gate.timeoutSeconds ?? 0)
        case .cancelled:
            result.status = .cancelled
            result.error = NodeCancelledError(node: name)
        }
        result.attempts = 0
        complete(index, result, ranTask: true)
    }

    // MARK: Completion

    /// Records a final result, fires its event, releases or skips successors,
    /// wakes workers, and finishes the execution after the last node.
    private func complete(_ index: Int, _ result: NodeResult, ranTask: Bool) {
        if ranTask {
            if result.status == .completed {
                events?.fire(.postNode, node: result.name, result: result)
            } else {
                events?.fire(.onError, node: result.name, result: result, error: result.error)
            }
        } else {
            events?.fire(.nodeSkipped, node: result.name, result: result)
        }
        let (skipped, wakeups, done) = state.withLock { state -> ([Int], Int, Bool) in
            state.results[index] = result
            state.finished += 1
            var skipped: [Int] = []
            if result.status == .completed {
                for next in dag.successorIndices(of: index) {
                    state.remainingPredecessors[next] -= 1
                    if state.remainingPredecessors[next] == 0 && state.results[next].status == .pending {
                        state.ready.append(next)
                    }
                }
            } else if !(state.cancelled && result.status == .cancelled) {
                skipped = skipAfterFailure(of: index, &state)
            }
            if state.finished == state.results.count { state.done = true }
            return (skipped, state.wakeups(reserve: 1), state.done)
        }
        reportNeverRan(skipped)
        for _ in 0..<wakeups { wake.signal() }
        if done { finish() }
    }

    /// Marks as skipped what can no longer run after `index` did not complete:
    /// its descendants, and with fail-fast every node not started yet.
    private func skipAfterFailure(of index: Int, _ state: inout State) -> [Int] {
        let culprit = dag.nodes[index].name
        let how = state.results[index].status == .skipped ? "was skipped" : "did not complete (\(state.results[index].status.rawValue))"
        var skipped: [Int] = []
        var stack = dag.successorIndices(of: index)
        while let next = stack.popLast() {
            guard state.results[next].status == .pending else { continue }
            state.results[next].status = .skipped
            state.results[next].skipReason = "upstream '\(culprit)' \(how)"
            state.finished += 1
            skipped.append(next)
            stack.append(contentsOf: dag.successorIndices(of: next))
        }
        if failFast && state.results[index].status != .skipped {
            for other in dag.topologicalIndices where state.results[other].status == .pending {
                state.results[other].status = .skipped
                state.results[other].skipReason = "fail-fast: '\(culprit)' \(how)"
                state.finished += 1
                skipped.append(other)
            }
        }
        let order = Dictionary(uniqueKeysWithValues: dag.topologicalIndices.enumerated().map { ($1, $0) })
        return skipped.sorted { order[$0]! < order[$1]! }
    }

    /// Fires `node_skipped` for nodes that never ran (skipped or cancelled).
    private func reportNeverRan(_ indices: [Int]) {
        guard let events, !indices.isEmpty else { return }
        let results = state.withLock { state in indices.map { state.results[$0] } }
        for result in results {
            events.fire(.nodeSkipped, node: result.name, result: result)
        }
    }
}

/// The result of one attempt, handed from the thread or task that ran it to
/// the worker waiting for it.
private final class AttemptOutcome: Sendable {
    private let value = Mutex<Result<(any Sendable)?, any Error>?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func set(_ result: Result<(any Sendable)?, any Error>) {
        value.withLock { $0 = result }
        ready.signal()
    }

    /// Waits up to `timeout` (forever when `nil`); `nil` if it did not arrive.
    func wait(timeout: Duration?) -> Result<(any Sendable)?, any Error>? {
        if let timeout {
            let nanos = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            if ready.wait(timeout: .now() + .nanoseconds(Int(nanos))) == .timedOut { return nil }
        } else {
            ready.wait()
        }
        return value.withLock { $0 }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
