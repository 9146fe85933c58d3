import DagronSDK
import Foundation

/// What Slurm says about one job (a line of `squeue`, `sacct` or
/// `scontrol -o show job`), and what that means to the host.
struct SlurmJobRecord: Sendable, Hashable {
    /// The job id.
    var id: String
    /// The state word, upper-cased, without `+` or ` by UID` (`COMPLETED`, `CANCELLED`).
    var state: String
    /// `ExitCode=N:S`: the exit code and the signal, when given.
    var exitCode: Int32?
    var signal: Int32?
    /// Start and end, seconds since the epoch, when known.
    var startedAt: Double?
    var finishedAt: Double?

    /// Builds a record from Slurm's words; `state` and `exitCode` as printed
    /// (`CANCELLED by 1000`, `0:15`), times in Slurm's local-time format.
    init(id: String, state: String, exitCode: String? = nil, start: String? = nil, end: String? = nil) {
        self.id = id
        self.state = Self.normalizedState(state)
        if let exitCode, let parsed = Self.exitCode(exitCode) {
            self.exitCode = parsed.code
            self.signal = parsed.signal
        }
        startedAt = start.flatMap(SlurmTimestamp.seconds)
        finishedAt = end.flatMap(SlurmTimestamp.seconds)
    }

    /// How the host sees the job now; `nil` for a state word dagron does not
    /// know (the job then keeps its last known state).
    var jobState: NodeJobState? {
        switch state {
        case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SPECIAL_EXIT":
            return .queued
        case "RUNNING", "COMPLETING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT", "RESIZING":
            return .running(startedAt: startedAt)
        default:
            return outcome.map(NodeJobState.finished)
        }
    }

    /// The outcome for a final state, `nil` for any other.
    var outcome: NodeJobOutcome? {
        let ending: NodeJobOutcome.Ending
        switch state {
        case "COMPLETED": ending = .succeeded
        case "FAILED", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "PREEMPTED", "REVOKED": ending = .failed
        case "TIMEOUT", "DEADLINE": ending = .timedOut
        case "CANCELLED": ending = .cancelled
        default: return nil
        }
        let killed = (signal ?? 0) != 0
        return NodeJobOutcome(
            ending: ending,
            exitCode: killed && exitCode == 0 ? nil : exitCode,
            signal: killed ? signal : nil,
            state: state, startedAt: startedAt, finishedAt: finishedAt,
            message: message(for: ending))
    }

    private func message(for ending: NodeJobOutcome.Ending) -> String? {
        switch state {
        case "OUT_OF_MEMORY": "slurm job \(id) ran out of memory (OUT_OF_MEMORY)"
        case "NODE_FAIL": "slurm job \(id) failed because its node failed (NODE_FAIL)"
        case "BOOT_FAIL": "slurm job \(id) failed: its node did not boot (BOOT_FAIL)"
        case "PREEMPTED", "REVOKED": "slurm job \(id) ended \(state)"
        case "TIMEOUT", "DEADLINE": "slurm job \(id) reached its time limit (\(state))"
        default: ending == .failed && exitCode == nil && signal == nil ? "slurm job \(id) ended \(state)" : nil
        }
    }

    /// `CANCELLED by 1000` → `CANCELLED`; `COMPLETED+` → `COMPLETED`.
    static func normalizedState(_ word: String) -> String {
        let first = word.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
        return String(first.uppercased().prefix { $0 != "+" })
    }

    /// `N:S` → (N, S); `N` alone → (N, 0); `nil` for anything else.
    static func exitCode(_ text: String) -> (code: Int32, signal: Int32)? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let code = Int32(parts[0]), (0...255).contains(code) else {
            return nil
        }
        guard parts.count == 2 else { return (code, 0) }
        guard let signal = Int32(parts[1]), (0...255).contains(signal) else { return nil }
        return (code, signal)
    }
}
