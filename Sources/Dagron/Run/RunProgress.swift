@_spi(DagronHost) public import DagronSDK
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
        var finished: [String: NodeResult] = [:]
        var started: [String: (wall: Double, instant: ContinuousClock.Instant)] = [:]
    }

    private let state = Mutex(State())
    private let created = ContinuousClock.now

    /// Creates an empty record.
    public init() {}

    /// Registers the recording callbacks on `hooks` (priority `Int.max`;
    /// attach before anything else registers, since equal priorities run
    /// in registration order).
    public func attach(to hooks: HookRegistry) {
        hooks.register(.preNode, priority: .max) { [self] context in
            guard let name = context.nodeName else { return }
            let now = (wall: WallClock.now(), instant: ContinuousClock.now)
            state.withTrackedLock { state in
                if state.started[name] == nil { state.started[name] = now }
            }
        }
        for event in [HookEvent.postNode, .onError, .nodeSkipped] {
            hooks.register(event, priority: .max) { [self] context in
                guard let result = context.nodeResult else { return }
                state.withTrackedLock { $0.finished[result.name] = result }
            }
        }
    }

    /// The results recorded so far for `nodes`, in that order: a node that
    /// ended has its result; one that started but did not end is
    /// `cancelled` with the time it ran until now; one that never started
    /// is `cancelled` with no time. The result is marked cancelled.
    public func result(nodes: [String]) -> ExecutionResult {
        let (finished, started) = state.withTrackedLock { ($0.finished, $0.started) }
        let now = ContinuousClock.now
        let wallNow = WallClock.now()
        let results = nodes.map { name -> NodeResult in
            if let result = finished[name] { return result }
            guard let start = started[name] else {
                return NodeResult(name: name, status: .cancelled, error: NodeCancelledError(node: name))
            }
            return NodeResult(
                name: name, status: .cancelled, durationSeconds: Self.seconds(now - start.instant),
                startedAt: start.wall, finishedAt: wallNow, error: NodeCancelledError(node: name), attempts: 1)
        }
        return ExecutionResult(results: results, totalDurationSeconds: Self.seconds(now - created), wasCancelled: true)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
