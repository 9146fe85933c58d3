import ClusterJobSupport
import DagronSDK
import Foundation
import Synchronization

/// Runs nodes on any batch scheduler through the command templates of
/// ``ClusterGenericSettings``.
///
/// - ``submit(_:)`` writes the attempt's ``BatchScript`` and runs the
///   `submit` template with `/bin/sh -c` and the job's environment; the first
///   line it prints is the job id.
/// - ``poll(_:)`` runs the `status` template once for all jobs and reads
///   `<id> <state>` lines through the `states` table. A job it does not list
///   has ended: its exit file decides (status 0 succeeded).
/// - ``cancel(_:)`` runs the `cancel` template once, when there is one.
final class ClusterGenericExecutor: NodeExecutor {
    let settings: ClusterGenericSettings
    private let ledger = Mutex(JobLedger())
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    init(settings: ClusterGenericSettings) {
        self.settings = settings
        origin = clock.now
    }

    var pollInterval: Duration { .milliseconds(Int64((settings.pollInterval * 1000).rounded())) }

    /// The values of the submission placeholders for `job`.
    static func placeholderValues(for job: NodeJob, script: BatchScript) -> [String: [String]] {
        let resources = job.resources
        let minutes = (resources.timeSeconds ?? job.timeoutSeconds).flatMap { seconds -> Int? in
            guard seconds.isFinite, seconds > 0, seconds <= 365 * 86_400 else { return nil }
            return max(1, Int((seconds / 60).rounded(.up)))
        }
        let optional: [String: Int?] = [
            "cpus": resources.cpus, "mem_mb": resources.memoryMebibytes, "time_minutes": minutes,
            "gpus": resources.gpus,
        ]
        var values: [String: [String]] = [
            "script": [script.scriptPath], "job_name": [job.jobName], "node": [job.node],
            "attempt": [String(job.attempt)],
            "stdout": [job.standardOutputPath], "stderr": [job.standardErrorPath], "cwd": [job.workingDirectory],
            "run_dir": [job.runDirectory],
        ]
        for (name, value) in optional { if let value { values[name] = [String(value)] } }
        return values
    }

    func submit(_ job: NodeJob) async throws -> NodeJobHandle {
        let script = BatchScript(for: job)
        try script.write(for: job)
        let line = settings.submit.expand(Self.placeholderValues(for: job, script: script))
        let result = try await ClusterCommand(
            executable: "/bin/sh", arguments: ["-c", line], environment: job.environment
        ).run()
        guard result.succeeded else {
            throw ClusterJobError(
                "cluster-generic executor: submit failed for node '\(job.node)' (exit status \(result.status)): \(result.diagnostic)"
            )
        }
        let id = try Self.jobID(fromSubmitOutput: result.output)
        ledger.withTrackedLock {
            $0.submitted(id: id, jobName: job.jobName, node: job.node, exitFilePath: script.exitFilePath)
        }
        return NodeJobHandle(executor: "cluster-generic", id: id, node: job.node)
    }

    /// The first line of `submit`'s output, which must be one word.
    static func jobID(fromSubmitOutput output: String) throws(ClusterJobError) -> String {
        let first = output.split(whereSeparator: \.isNewline).first.map { String($0).trimmingBlanks } ?? ""
        guard !first.isEmpty, first.count <= 200,
            !first.unicodeScalars.contains(where: {
                $0.properties.isWhitespace || $0.properties.generalCategory == .control
            })
        else {
            throw ClusterJobError(
                "cluster-generic executor: submit printed '\(first.prefix(200))' on its first line, not a job id (one word; e.g. sbatch --parsable)"
            )
        }
        return first
    }

    func poll(_ handles: [NodeJobHandle]) async throws -> [NodeJobHandle: NodeJobState] {
        var answers: [NodeJobHandle: NodeJobState] = [:]
        var open: [NodeJobHandle] = []
        var jobName: String?
        ledger.withTrackedLock { ledger in
            for handle in handles {
                if let outcome = ledger[handle.id]?.outcome {
                    answers[handle] = .finished(outcome)
                } else {
                    open.append(handle)
                    jobName = jobName ?? ledger[handle.id]?.jobName
                }
            }
        }
        guard !open.isEmpty else { return answers }
        let ids = open.map(\.id).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let line = settings.status.expand(queryValues(ids: ids, jobName: jobName))
        let result = try await ClusterCommand(executable: "/bin/sh", arguments: ["-c", line]).run()
        guard result.succeeded else {
            throw ClusterJobError(
                "cluster-generic executor: status failed (exit status \(result.status)): \(result.diagnostic)")
        }
        let listed = ClusterStatusListing.parse(result.output)
        let now = (clock.now - origin) / .seconds(1)
        ledger.withTrackedLock { ledger in
            for handle in open {
                if let answer = Self.answer(
                    for: handle.id, word: listed[handle.id], table: settings.states, ledger: &ledger, now: now)
                {
                    answers[handle] = answer
                }
            }
        }
        return answers
    }

    /// What to report for job `id` given the word `status` printed for it
    /// (`nil`: not listed); `nil` to leave the job at its last state.
    static func answer(for id: String, word: String?, table: ClusterStateTable, ledger: inout JobLedger, now: Double)
        -> NodeJobState?
    {
        guard let word else {
            return ledger.resolveUnlisted(id, executor: "cluster-generic", now: now).map(NodeJobState.finished)
        }
        guard let meaning = table.meaning(of: word) else {
            ledger.seen(id)
            return nil
        }
        let exit = ledger[id].flatMap { ExitFile.read(path: $0.exitFilePath) }
        let ending: NodeJobOutcome.Ending
        switch meaning {
        case .queued:
            ledger.seen(id)
            return .queued
        case .running:
            ledger.seen(id)
            return .running(startedAt: nil)
        case .ended:
            // The exit file decides; until it shows up the job counts as unlisted.
            return ledger.resolveUnlisted(id, executor: "cluster-generic", now: now).map(NodeJobState.finished)
        case .succeeded: ending = .succeeded
        case .failed: ending = .failed
        case .timedOut: ending = .timedOut
        case .cancelled: ending = .cancelled
        }
        let outcome = NodeJobOutcome(
            ending: ending, exitCode: exit?.status, state: word, startedAt: exit?.startedAt,
            finishedAt: exit?.finishedAt,
            message: ending == .succeeded || exit != nil ? nil : "cluster-generic job \(id) ended \(word)")
        ledger.finished(id, outcome)
        return .finished(outcome)
    }

    /// The values of the `status` and `cancel` placeholders.
    private func queryValues(ids: [String], jobName: String?) -> [String: [String]] {
        var values: [String: [String]] = ["job_ids": ids]
        if let jobName { values["job_name"] = [jobName] }
        if let first = ids.first, let path = ledger.withTrackedLock({ $0[first]?.exitFilePath }) {
            // <run>/executor/<node>.<attempt>.exit
            values["run_dir"] = [((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent]
        }
        return values
    }

    func cancel(_ handles: [NodeJobHandle]) async {
        let ids = handles.map(\.id).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard !ids.isEmpty else { return }
        let jobName = ledger.withTrackedLock { ledger in
            ledger.cancelRequested(ids)
            return ids.compactMap { ledger[$0]?.jobName }.first
        }
        guard let cancel = settings.cancel else { return }
        do {
            let result = try await ClusterCommand(
                executable: "/bin/sh", arguments: ["-c", cancel.expand(queryValues(ids: ids, jobName: jobName))]
            ).run()
            if !result.succeeded {
                ExecutorWarning.emit(plugin: "cluster-generic", "cancel exited \(result.status): \(result.diagnostic)")
            }
        } catch {
            ExecutorWarning.emit(plugin: "cluster-generic", error.description)
        }
    }

    /// Runs the `cancel` template for every job not reported finished,
    /// waiting for it. For the plugin's teardown.
    func cancelUnfinished() {
        let (ids, jobName) = ledger.withTrackedLock { ledger in
            let ids = ledger.unfinishedIDs
            ledger.cancelRequested(ids)
            return (ids, ids.compactMap { ledger[$0]?.jobName }.first)
        }
        guard !ids.isEmpty else { return }
        guard let cancel = settings.cancel else {
            ExecutorWarning.emit(
                plugin: "cluster-generic",
                "no cancel template: jobs \(ids.joined(separator: " ")) may still be queued or running")
            return
        }
        if BlockingCommand.run("/bin/sh", ["-c", cancel.expand(queryValues(ids: ids, jobName: jobName))]) != 0 {
            ExecutorWarning.emit(
                plugin: "cluster-generic",
                "the cancel command for jobs \(ids.joined(separator: " ")) failed at teardown")
        }
    }
}
