@_spi(DagronHost) public import DagronSDK
import DagronSystemShims
import Synchronization

/// What is known of a run while it goes: which nodes have ended (with their
/// results) and which have started, recorded from hook events.
///
/// Its callbacks are registered with the highest priority, so they run
/// before any plugin's for the same event: a plugin callback that never
/// returns (and so blocks every later event of the run) cannot keep the
/// event it hangs in from being recorded. When such a run is abandoned
/// after an interrupt, ``result(nodes:)`` gives the result to report.
///
/// ```swift
/// let progress = RunProgress()
/// progress.attach(to: manager.hooks)   // before plugins register theirs
/// // ... later, if the run cannot finish:
/// let result = progress.result(nodes: pipeline.nodes.map(\.name))
/// ```
public final class RunProgress: Sendable {
    private struct State: Sendable {
        /// By ``HookContext/nodeIndex`` (the executor's events carry it):
        /// each node's result once it ended. No name is hashed per event.
        var finished: [NodeResult?] = []
        /// By ``HookContext/nodeIndex``: when each node started, on ``clock``; 0 if it has not.
        var started: [UInt64] = []
        /// The names of the nodes at each index.
        var names: [String] = []
        /// Events without an index (or one beyond the DAG's nodes), by node name.
        var finishedByName: [String: NodeResult] = [:]
        var startedByName: [String: UInt64] = [:]
        /// Set by ``RunProgress/freeze()``: later events are not recorded.
        var frozen = false

        /// Frozen, or the process is crashing: the crash guard kills the
        /// nodes' groups from its signal handler before anything can call
        /// ``RunProgress/freeze()``, and a worker must not record that kill
        /// as its node's failure.
        var isFrozen: Bool { frozen || dagron_crash_in_progress() != 0 }

        /// The slot of `index` in the arrays, sizing them from `dag` on first use; `nil` if there is none.
        mutating func slot(_ index: Int?, of dag: DAG?) -> Int? {
            guard let index, index >= 0 else { return nil }
            if names.isEmpty, let dag {
                names = dag.nodes.map(\.name)
                finished = Array(repeating: nil, count: names.count)
                started = Array(repeating: 0, count: names.count)
            }
            return index < names.count ? index : nil
        }
    }

    private let state = Mutex(State())
    private let clock = RunClock()

    /// Creates an empty record.
    public init() {}

    /// Registers the recording callbacks on `hooks` (priority `Int.max`;
    /// attach before anything else registers, since equal priorities run
    /// in registration order).
    public func attach(to hooks: HookRegistry) {
        hooks.register(.preNode, priority: .max) { [self] context in
            guard let name = context.nodeName else { return }
            // Never 0, which means "not started".
            let now = max(clock.now(), 1)
            state.withTrackedLock { state in
                guard !state.isFrozen else { return }
                if let slot = state.slot(context.nodeIndex, of: context.dag), state.names[slot] == name {
                    if state.started[slot] == 0 { state.started[slot] = now }
                } else if state.startedByName[name] == nil {
                    state.startedByName[name] = now
                }
            }
        }
        for event in [HookEvent.postNode, .onError, .nodeSkipped] {
            hooks.register(event, priority: .max) { [self] context in
                guard let result = context.nodeResult else { return }
                state.withTrackedLock { state in
                    guard !state.isFrozen else { return }
                    if let slot = state.slot(context.nodeIndex, of: context.dag), state.names[slot] == result.name {
                        state.finished[slot] = result
                    } else {
                        state.finishedByName[result.name] = result
                    }
                }
            }
        }
    }

    /// Stops recording: what the nodes do from now on is not theirs to
    /// report. A run being ended calls it before killing the nodes, so a
    /// node killed by dagron is reported `cancelled` (it was running), not
    /// `failed` by the signal, nor its dependents skipped by fail-fast.
    public func freeze() {
        state.withTrackedLock { $0.frozen = true }
    }

    /// The results recorded so far for `nodes`, in that order: a node that
    /// ended has its result; one that started but did not end is
    /// `cancelled` with the time it ran until now; one that never started
    /// is `cancelled` with no time. The result is marked cancelled.
    public func result(nodes: [String]) -> ExecutionResult {
        let (finished, started) = state.withTrackedLock { state in
            var finished = state.finishedByName
            var started = state.startedByName
            for (slot, name) in state.names.enumerated() {
                if let result = state.finished[slot] { finished[name] = result }
                if state.started[slot] != 0, started[name] == nil { started[name] = state.started[slot] }
            }
            return (finished, started)
        }
        let now = clock.now()
        let wallNow = clock.wall(now)
        let results = nodes.map { name -> NodeResult in
            if let result = finished[name] { return result }
            guard let start = started[name] else {
                return NodeResult(name: name, status: .cancelled, error: NodeCancelledError(node: name))
            }
            return NodeResult(
                name: name, status: .cancelled, durationSeconds: RunClock.seconds(from: start, to: now),
                startedAt: clock.wall(start), finishedAt: wallNow, error: NodeCancelledError(node: name), attempts: 1)
        }
        return ExecutionResult(
            results: results, totalDurationSeconds: clock.secondsSinceStart(), wasCancelled: true)
    }
}
