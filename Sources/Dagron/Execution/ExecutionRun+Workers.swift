@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

/// The worker threads of a run: taking ready nodes, parking, pacing
/// (``WorkerPace``, the standby probe) and running each node's task.
extension ExecutionRun {
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

    func workerLoop() {
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
            let action =
                next
                ?? state.withTrackedLock { state -> WorkerAction in
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
    func signal(_ wakeups: Wakeups) {
        var parked = wakeups.parked
        while parked > 0 {
            wake.signal()
            parked -= 1
        }
        var standingBy = wakeups.standingBy
        while standingBy > 0 {
            standby.signal()
            standingBy -= 1
        }
    }

    /// Runs node `index` on the calling worker; returns the worker's next
    /// action when completing the node already took one. `pace` is the
    /// worker's record of its recent tasks.
    func process(_ index: Int, gatePassed: Bool, startedAt: Double, pace: UnsafeMutablePointer<WorkerPace>)
        -> WorkerAction?
    {
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
                let cancelled = isStopping
                return complete(
                    index,
                    NodeResult(
                        name: name, status: cancelled ? .cancelled : .completed,
                        durationSeconds: max(0, now - startedAt), startedAt: startedAt, finishedAt: now,
                        error: cancelled ? cancellationError(of: name, from: nil) : nil), completed: !cancelled,
                    ranTask: true,
                    next: .take)
            } else {
                return complete(
                    index, NodeResult(name: name, status: .skipped, skipReason: "no task was given for this node"),
                    completed: false, ranTask: false, next: .take)
            }
        }
        if !gatePassed { events?.fire(.preNode, node: name, index: index) }
        let began = clock.now()
        let timing = TaskTiming(began: began, gatePassed: gatePassed, arrivedAt: startedAt)
        if case .direct(let body) = task, !isStopping {
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
        // cancelled or stopped by fail-fast before this node started (no attempt at all).
        var status = NodeOutcome.cancelled
        var output: (any Sendable)?
        var failure: (any Error)?
        var attempts = 0
        if case .general(let box) = task {
            while !isStopping {
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
        if status == .cancelled { failure = cancellationError(of: name, from: failure) }
        return finishTask(index, name: name, status, output: output, failure: failure, attempts: attempts, timing, pace)
    }

    /// When a task began, and for a gate node when it arrived at the gate.
    struct TaskTiming {
        var began: UInt64
        var gatePassed: Bool
        var arrivedAt: Double
    }

    /// What an attempt's error means for the node.
    func classify(_ error: any Error, node name: String) -> (NodeOutcome, any Error) {
        if error is NodeTimeoutError { return (.timedOut, error) }
        if error is NodeCancelledError { return (.cancelled, error) }
        if error is CancellationError { return (.cancelled, NodeCancelledError(node: name)) }
        return (.failed, error)
    }

    /// Builds the result of a node whose task ran and completes the node.
    func finishTask(
        _ index: Int, name: String, _ status: NodeOutcome, output: consuming (any Sendable)?,
        failure: consuming (any Error)?, attempts: Int, _ timing: TaskTiming, _ pace: UnsafeMutablePointer<WorkerPace>
    ) -> WorkerAction? {
        let ended = clock.now()
        pace.pointee.taskRan(began: timing.began, ended: ended)
        let finishedAt = clock.wall(ended)
        // A gate node's duration spans the wait as well as the task.
        let duration =
            timing.gatePassed
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

    /// What a task's value or error reports of its process: exit code,
    /// standard error tail and executor job. Only values that exist can
    /// carry a report; the cast is not free.
    static func processReport(_ output: (any Sendable)?, _ failure: (any Error)?) -> ReportedProcess? {
        if let output {
            // A command that succeeded, the common case, is looked for by its
            // type first: that cast compares type metadata, where the cast to
            // the protocol searches the conformances (about 2 µs a node).
            if let outcome = output as? ProcessOutcome {
                return ReportedProcess(exitCode: outcome.exitCode, stderrTail: nil, job: outcome.job)
            }
            return (output as? any ProcessReport).map(ReportedProcess.init)
        } else if let failure {
            return (failure as? any ProcessReport).map(ReportedProcess.init)
        } else {
            return nil
        }
    }

    /// The fields of a ``ProcessReport`` that go into a node's result.
    struct ReportedProcess {
        var exitCode: Int32?
        var stderrTail: String?
        var job: NodeJobHandle?
    }

    /// Sleeps for `delay`, waking early if the execution is cancelled or stopped by fail-fast.
    func pause(_ delay: Duration) {
        var remaining = delay.seconds
        while remaining > 0 && !isStopping {
            let slice = min(remaining, 0.05)
            Thread.sleep(forTimeInterval: slice)
            remaining -= slice
        }
    }
}

extension ExecutionRun.ReportedProcess {
    /// The fields `report` carries (in an extension: the memberwise initializer stays).
    init(_ report: any ProcessReport) {
        self.init(exitCode: report.exitCode, stderrTail: report.stderrTail, job: report.job)
    }
}
