import ClusterJobSupport
import DagronSDK
import Foundation
import Synchronization

/// Runs nodes as Slurm batch jobs.
///
/// - ``submit(_:)`` writes the attempt's ``BatchScript`` and runs
///   `sbatch --parsable` (arguments from ``SlurmSubmission``) with the job's
///   environment.
/// - ``poll(_:)`` asks `squeue` once for all jobs of the run (by job name).
///   Jobs no longer queued or running are looked up with one `sacct` call
///   (while the cluster keeps accounting), then one `scontrol -o show job`
///   (finished jobs stay there for `MinJobAge`), then their exit files.
///   Finished outcomes are remembered and never asked for again.
/// - ``cancel(_:)`` runs one `scancel` for all the handles;
///   ``cancelUnfinished()`` (the plugin's teardown) cancels every job not
///   reported finished.
final class SlurmExecutor: NodeExecutor {
    private struct State: Sendable {
        var ledger = JobLedger()
        /// Set once `sacct` said the cluster keeps no accounting.
        var accountingOff = false
        /// Job names whose submission was interrupted after `sbatch` may have
        /// accepted the job: teardown cancels them by name.
        var interruptedJobNames: Set<String> = []
    }

    let settings: SlurmSettings
    let tools: SlurmTools
    private let state = Mutex(State())
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    init(settings: SlurmSettings, tools: SlurmTools) {
        self.settings = settings
        self.tools = tools
        origin = clock.now
    }

    var pollInterval: Duration { .milliseconds(Int64((settings.pollInterval * 1000).rounded())) }

    func submit(_ job: NodeJob) async throws -> NodeJobHandle {
        let script = BatchScript(for: job)
        try script.write(for: job)
        let arguments = try SlurmSubmission.arguments(for: job, script: script, settings: settings)
        let command = ClusterCommand(executable: tools.sbatch, arguments: arguments, environment: job.environment)
        let result: ClusterCommand.Result
        do {
            result = try await command.run()
        } catch {
            state.withTrackedLock { _ = $0.interruptedJobNames.insert(job.jobName) }
            throw ClusterJobError("slurm executor: node '\(job.node)': \(error.description)")
        }
        guard result.succeeded else {
            throw ClusterJobError(
                "slurm executor: sbatch refused node '\(job.node)' (exit status \(result.status)): \(result.diagnostic)"
            )
        }
        let id = try SlurmSubmission.jobID(fromParsable: result.output)
        state.withTrackedLock {
            $0.ledger.submitted(id: id, jobName: job.jobName, node: job.node, exitFilePath: script.exitFilePath)
        }
        return NodeJobHandle(executor: "slurm", id: id, node: job.node)
    }

    func poll(_ handles: [NodeJobHandle]) async throws -> [NodeJobHandle: NodeJobState] {
        var answers: [NodeJobHandle: NodeJobState] = [:]
        var open: [NodeJobHandle] = []
        var jobNames: Set<String> = []
        state.withTrackedLock { state in
            for handle in handles {
                if let outcome = state.ledger[handle.id]?.outcome {
                    answers[handle] = .finished(outcome)
                } else {
                    open.append(handle)
                    if let name = state.ledger[handle.id]?.jobName { jobNames.insert(name) }
                }
            }
        }
        guard !open.isEmpty else { return answers }

        let queued = try await queueRecords(jobNames: jobNames)
        var missing: [String] = []
        for handle in open {
            if let listed = queued[handle.id]?.jobState, !listed.isFinished {
                answers[handle] = listed
                state.withTrackedLock { $0.ledger.seen(handle.id) }
            } else if !missing.contains(handle.id) {
                missing.append(handle.id)
            }
        }
        guard !missing.isEmpty else { return answers }

        let records = await finishedRecords(of: missing)
        let now = (clock.now - origin) / .seconds(1)
        for handle in open where answers[handle] == nil {
            let answer: NodeJobState? = state.withTrackedLock { state in
                if let jobState = records[handle.id]?.jobState {
                    if case .finished(let outcome) = jobState {
                        state.ledger.finished(
                            handle.id, Self.withExitFile(outcome, state.ledger[handle.id]?.exitFilePath))
                        return state.ledger[handle.id]?.outcome.map(NodeJobState.finished) ?? jobState
                    }
                    state.ledger.seen(handle.id)
                    return jobState
                }
                return state.ledger.resolveUnlisted(handle.id, executor: "slurm", now: now).map(NodeJobState.finished)
            }
            if let answer { answers[handle] = answer }
        }
        return answers
    }

    /// One `squeue` for the jobs named `jobNames` (every job of the run).
    private func queueRecords(jobNames: Set<String>) async throws -> [String: SlurmJobRecord] {
        guard !jobNames.isEmpty else { return [:] }
        let arguments = [
            "--noheader", "--name=\(jobNames.sorted().joined(separator: ","))", "--format=\(SlurmQueueListing.format)",
        ]
        let result = try await ClusterCommand(executable: tools.squeue, arguments: arguments).run()
        guard result.succeeded else {
            throw ClusterJobError("slurm executor: squeue failed (exit status \(result.status)): \(result.diagnostic)")
        }
        return SlurmQueueListing.parse(result.output)
    }

    /// The records of jobs `squeue` no longer lists: one `sacct` call while
    /// the cluster keeps accounting, then one `scontrol -o show job` for
    /// those sacct did not show finished. Failures leave jobs out (their
    /// exit files decide).
    private func finishedRecords(of ids: [String]) async -> [String: SlurmJobRecord] {
        var records: [String: SlurmJobRecord] = [:]
        if let sacct = tools.sacct, !state.withTrackedLock({ $0.accountingOff }) {
            let arguments = [
                "-X", "-n", "-P", "-j", ids.joined(separator: ","), "--format=\(SlurmAccountingListing.format)",
            ]
            if let result = try? await ClusterCommand(executable: sacct, arguments: arguments).run() {
                if result.succeeded {
                    records = SlurmAccountingListing.parse(result.output).filter { $0.value.outcome != nil }
                } else if SlurmAccountingListing.saysAccountingIsOff(result.errorOutput + result.output) {
                    state.withTrackedLock { $0.accountingOff = true }
                }
            }
        }
        let rest = Set(ids.filter { records[$0] == nil })
        guard !rest.isEmpty else { return records }
        if let result = try? await ClusterCommand(executable: tools.scontrol, arguments: ["-o", "show", "job"]).run(),
            result.succeeded
        {
            records.merge(SlurmControllerListing.parse(result.output, ids: rest)) { accounted, _ in accounted }
        }
        return records
    }

    /// `outcome` with the exit file's times when Slurm gave none.
    private static func withExitFile(_ outcome: NodeJobOutcome, _ path: String?) -> NodeJobOutcome {
        guard outcome.startedAt == nil || outcome.finishedAt == nil, let path, let exit = ExitFile.read(path: path)
        else { return outcome }
        var completed = outcome
        completed.startedAt = outcome.startedAt ?? exit.startedAt
        completed.finishedAt = outcome.finishedAt ?? exit.finishedAt
        return completed
    }

    func cancel(_ handles: [NodeJobHandle]) async {
        let ids = Array(Set(handles.map(\.id))).sorted()
        guard !ids.isEmpty else { return }
        state.withTrackedLock { $0.ledger.cancelRequested(ids) }
        do {
            let result = try await ClusterCommand(executable: tools.scancel, arguments: ids).run()
            if !result.succeeded {
                ExecutorWarning.emit(
                    plugin: "slurm",
                    "scancel \(ids.joined(separator: " ")) exited \(result.status): \(result.diagnostic)")
            }
        } catch {
            ExecutorWarning.emit(plugin: "slurm", error.description)
        }
    }

    /// Cancels every job submitted and not reported finished, and the jobs of
    /// runs whose submission was interrupted, waiting for `scancel`. For the
    /// plugin's teardown.
    func cancelUnfinished() {
        let (ids, names) = state.withTrackedLock { state in
            let ids = state.ledger.unfinishedIDs
            state.ledger.cancelRequested(ids)
            defer { state.interruptedJobNames.removeAll() }
            return (ids, state.interruptedJobNames.sorted())
        }
        if !ids.isEmpty, BlockingCommand.run(tools.scancel, ids) == nil {
            ExecutorWarning.emit(plugin: "slurm", "could not run scancel \(ids.joined(separator: " ")) at teardown")
        }
        for name in names {
            BlockingCommand.run(tools.scancel, ["--name=\(name)", "--user=\(Self.userName)"])
        }
    }

    /// The current user's name, for `scancel --user` (never another user's jobs).
    private static var userName: String {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return String(getuid()) }
        return String(cString: name)
    }
}
