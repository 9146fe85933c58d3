@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

/// Approval gates in a run: a gate node waits for its decision off the
/// worker threads, then re-enters the ready queue.
extension ExecutionRun {
    // MARK: Gates

    func waitAtGate(_ index: Int, name: String, gate: ApprovalGate) {
        gate.arm()
        state.withTrackedLock { $0.phase[index] = .waitingAtGate }
        events?.fire(.gateWaiting, node: name, index: index)
        let waiter = Task { [self] in
            let outcome = await gate.wait()
            gateResolved(index, name: name, gate: gate, outcome: outcome)
        }
        let cancelledAlready = state.withTrackedLock { state in
            if state.phase[index] == .waitingAtGate { state.gateWaits[index] = waiter }
            return state.isStopping
        }
        if cancelledAlready { waiter.cancel() }
    }

    func gateResolved(_ index: Int, name: String, gate: ApprovalGate, outcome: GateOutcome) {
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
            (status, error) = (.cancelled, cancellationError(of: name, from: nil))
        }
        let now = clock.wallNow()
        complete(
            index,
            NodeResult(
                name: name, status: status, durationSeconds: max(0, now - startedAt),
                startedAt: startedAt, finishedAt: now, error: error), completed: false, ranTask: true)
    }
}
