import ArgumentParser
import Dagron
@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How a `dagron run` ends, exactly once: `result.json` written, the JSON
/// document printed (`--json`), the exit code chosen.
///
/// A run normally ends through ``record(_:)`` and ``printJSON(_:)`` once its
/// nodes are done. If it cannot get there after an interrupt (a plugin hook
/// that never returns holds up the executor, or a plugin's teardown hangs),
/// ``abandon(after:)`` ends it from what is known: every node's process
/// group and leftover processes killed, `result.json` written from
/// ``RunProgress`` (unfinished nodes cancelled) unless the run already
/// wrote it, the executor plugins' unfinished cluster jobs cancelled (their
/// `teardown()`, waited for at most ``executorCancelLimit``), and the
/// process exits with 130 without waiting for the stuck thread. Both
/// paths take the same lock; the abandoning one never releases it, so the
/// two cannot interleave.
///
/// In-process plugin faults end a run the same way: plugin code that
/// stalls past its `stall_timeout` (``endOnStalledPlugin(_:)``, exit 1, or
/// the run's own code for `teardown`) and a crash of the process
/// (``recordCrash(signal:reason:)``, after which the crash guard lets the
/// signal kill the process). `result.json`'s `plugins` section comes from
/// the run's ``PluginHealth``.
final class RunEnding: Sendable {
    private struct State: Sendable {
        /// The report written, and the exit code it led to.
        var recorded: (report: RunReport, exitCode: Int32)?
        var jsonPrinted = false
        /// Set by ``recordCrash(signal:reason:)``: the process is about to
        /// die of a signal, and what was written stays.
        var crashed = false
    }

    private let pipeline: Pipeline
    private let directory: RunDirectory
    private let progress: RunProgress
    private let console: RunConsole
    private let output: ReservedStandardOutput?
    private let processGroups: ProcessGroupRegistry
    private let executorPlugins: [any NodeExecutorPlugin]
    private let plugins: PluginHealth?
    private let pluginFailurePolicy: PluginFailurePolicy
    private let state = Mutex(State())

    /// How long a forced ending waits for the executor plugins to cancel their unfinished jobs.
    static let executorCancelLimit: Duration = .seconds(10)

    /// Creates the ending of a run of `pipeline` in `directory`; `output` is
    /// the reserved standard output with `--json`, else `nil`;
    /// `executorPlugins` are the plugins the nodes run on, asked to cancel
    /// their unfinished jobs when the run is forced to end; `plugins` fills
    /// `result.json`'s `plugins` section, whose failures count as
    /// `pluginFailurePolicy` says.
    init(
        pipeline: Pipeline, directory: RunDirectory, progress: RunProgress, console: RunConsole,
        output: ReservedStandardOutput?, processGroups: ProcessGroupRegistry,
        executorPlugins: [any NodeExecutorPlugin] = [], plugins: PluginHealth? = nil,
        pluginFailurePolicy: PluginFailurePolicy = .continue
    ) {
        self.pipeline = pipeline
        self.directory = directory
        self.progress = progress
        self.console = console
        self.output = output
        self.processGroups = processGroups
        self.executorPlugins = executorPlugins
        self.plugins = plugins
        self.pluginFailurePolicy = pluginFailurePolicy
    }

    /// Writes `report` (with the run's plugins) to `result.json` and returns
    /// the exit code of the run: the report's, or 2 (after printing why) if
    /// it cannot be written.
    func record(_ report: RunReport) -> Int32 {
        state.withTrackedLock { state in
            if state.crashed, let recorded = state.recorded { return recorded.exitCode }
            let report = withPlugins(report)
            let code = write(report)
            state.recorded = (report, code)
            return code
        }
    }

    /// Writes `result.json` again if the plugins' states changed since
    /// ``record(_:)`` (an isolated plugin failed in its teardown), and
    /// returns the run's exit code, which a plugin failure changes under
    /// `--plugin-failure fail`; `nil` if nothing was recorded.
    func recordPluginChanges() -> Int32? {
        state.withTrackedLock { state in
            guard let recorded = state.recorded else { return nil }
            guard !state.crashed, let plugins, plugins.snapshot != (recorded.report.plugins ?? []) else {
                return recorded.exitCode
            }
            let report = withPlugins(recorded.report)
            let code = recorded.exitCode == ExitStatus.usage.rawValue ? recorded.exitCode : write(report)
            state.recorded = (report, code)
            return code
        }
    }

    /// Prints `report` (with the exit code ``record(_:)`` chose) on the
    /// reserved standard output, once; nothing without `--json`.
    func printJSON() {
        state.withTrackedLock { state in
            guard let recorded = state.recorded else { return }
            emitJSON(recorded.report, exitCode: recorded.exitCode, state: &state)
        }
    }

    /// Ends the process now, for a run that did not stop in time after an
    /// interrupt (see the type's description).
    func abandon(after escalation: InterruptTrap.Escalation) -> Never {
        end(interrupted: true, endedEarly: nil)
    }

    /// Ends the process now, for a run whose process is exiting although
    /// `dagron` did not end the run: plugin code called `exit` (see
    /// ``UnexpectedExitGuard``). The nodes are killed, `result.json` is
    /// written from what is known (unless it was already), saying why, and
    /// the process exits with the run's code: never 0 when a node failed or
    /// did not finish, whatever status the plugin passed to `exit`.
    /// `culprit` names the plugin code that was running (` (plugin 'x' in
    /// post_node, node 'b')`) or is empty; when it names one, a report
    /// already written is written again with the plugin's failure.
    func endOnUnexpectedExit(culprit: String = "") -> Never {
        let reason =
            "the process was ended by a call to exit() in plugin code\(culprit) before dagron finished the run; "
            + "unfinished nodes were killed and are reported cancelled"
        printError(reason)
        return end(interrupted: false, endedEarly: reason, pluginFault: !culprit.isEmpty)
    }

    /// Ends the process now, for in-process plugin code that ran past its
    /// stall timeout (``CallbackWatchdog``): the thread delivering events
    /// is stuck in it, so the run cannot go on. The plugin is recorded as
    /// failed (by the caller, in ``PluginHealth``); nodes and leftovers are
    /// killed; `result.json` is written from what is known with
    /// `endedEarly` saying which plugin, event and node, and the process
    /// exits 1. In `teardown`, after the run wrote `result.json`, the file
    /// is rewritten with the plugin's failure and the run keeps its own
    /// exit code (unless the plugin failure policy is `fail`).
    func endOnStalledPlugin(_ stall: CallbackWatchdog.Stall) -> Never {
        let reason =
            stall.description
            + (stall.activity.phase == .teardown
                ? "; the run had finished, the plugins left were not torn down"
                : "; the run was ended, unfinished nodes were killed and are reported cancelled")
        printError(reason)
        return end(interrupted: false, endedEarly: reason, pluginFault: true, failsRun: true)
    }

    /// For a process that crashed (see ``CrashGuard``): kills every node and
    /// leftover, writes `result.json` from what is known (or rewrites the
    /// run's with the plugins section, after a crash in `teardown`) with
    /// `endedEarly` set to `reason` and exit code 128 + `signal` (what the
    /// shell will see), prints the summary, and has the executor plugins
    /// cancel their unfinished cluster jobs (unless the run got to its own
    /// teardown), waiting at most ``crashCancelLimit`` (the crash report as
    /// a whole is bounded by ``CrashGuard/reportBound``). Returns, so that
    /// the process can die of the signal; a later ``record(_:)`` (from a
    /// thread that went on meanwhile) writes nothing.
    func recordCrash(signal: Int32, reason: String) {
        printError(reason)
        state.withTrackedLock { state in
            let runEnded = state.recorded != nil
            _ = finish(
                interrupted: false, endedEarly: reason, pluginFault: true, failsRun: true, exitCode: 128 + signal,
                state: &state)
            state.crashed = true
            // The process dies of the signal next: no teardown will cancel the jobs.
            if !runEnded { cancelExecutorJobs(within: Self.crashCancelLimit) }
        }
        dagron_flush_standard_streams()
    }

    /// How long a crashed process waits for its executor plugins to cancel
    /// their jobs: within the crash report's own bound.
    static let crashCancelLimit: Duration = .seconds(3)

    /// Kills every node and leftover, writes what is known (once), prints
    /// the JSON document (once), has the executor plugins cancel their
    /// unfinished jobs (unless the run got to its own teardown) and exits
    /// with the recorded code.
    private func end(interrupted: Bool, endedEarly: String?, pluginFault: Bool = false, failsRun: Bool = false) -> Never
    {
        state.withTrackedLock { state -> Never in
            // A run that wrote result.json has every node ended and tears its plugins down itself.
            let runEnded = state.recorded != nil
            let code = finish(
                interrupted: interrupted, endedEarly: endedEarly, pluginFault: pluginFault, failsRun: failsRun,
                exitCode: nil, state: &state)
            if !runEnded { cancelExecutorJobs(within: Self.executorCancelLimit) }
            dagron_flush_standard_streams()
            _exit(code)
        }
    }

    /// Has each executor plugin cancel the jobs it submitted that have not
    /// ended (its `teardown()`, which the run will not get to), so no job
    /// stays queued after the process exits; waits at most `limit` for them
    /// all (a plugin that hangs in it cannot keep the process from exiting).
    private func cancelExecutorJobs(within limit: Duration) {
        guard !executorPlugins.isEmpty else { return }
        let names = executorPlugins.map { "'\($0.name)'" }.joined(separator: ", ")
        console.emit("dagron: asking executor \(names) to cancel the run's unfinished jobs")
        let done = DispatchSemaphore(value: 0)
        let plugins = executorPlugins
        Thread.detachNewThread {
            for plugin in plugins { plugin.teardown() }
            done.signal()
        }
        let limit = limit.components.seconds
        if done.wait(timeout: .now() + .seconds(Int(limit))) == .timedOut {
            printError(
                "executor \(names) did not finish cancelling its jobs within \(limit) s; some may still be queued")
        }
    }

    /// What ``end(interrupted:endedEarly:pluginFault:failsRun:)`` does
    /// before exiting; returns the exit code. With `pluginFault`, a plugin
    /// stopped the run: a report already written is written again with the
    /// plugins section (and `endedEarly`). With `failsRun`, a run cut short
    /// exits 1 even if every node that finished succeeded. `exitCode`
    /// overrides the code in the report.
    private func finish(
        interrupted: Bool, endedEarly: String?, pluginFault: Bool, failsRun: Bool, exitCode: Int32?, state: inout State
    ) -> Int32 {
        // What the nodes do from here (die of the kill below) is dagron's
        // doing: the ones running are reported cancelled.
        if state.recorded == nil { progress.freeze() }
        // Other threads may still be starting commands: those are killed as they register or appear.
        processGroups.sealAndKillAll()
        LeftoverProcessSweep(runDirectory: directory.absolutePath).killNow(watching: .milliseconds(250))
        if let recorded = state.recorded {
            guard pluginFault else {
                emitJSON(recorded.report, exitCode: recorded.exitCode, state: &state)
                return recorded.exitCode
            }
            // Teardown: the nodes' results stand; the plugins section and why it ended change.
            var report = withPlugins(recorded.report)
            report.endedEarly = endedEarly
            if let exitCode { report.exitCode = exitCode }
            let code = recorded.exitCode == ExitStatus.usage.rawValue ? recorded.exitCode : write(report)
            state.recorded = (report, code)
            console.printSummary(report, result: progress.result(nodes: pipeline.nodes.map(\.name)))
            emitJSON(report, exitCode: code, state: &state)
            return code
        }
        let result = progress.result(nodes: pipeline.nodes.map(\.name))
        var report = RunReport(pipeline: pipeline, runDirectory: directory, result: result, interrupted: interrupted)
        report.endedEarly = endedEarly
        report = withPlugins(report)
        if failsRun, report.exitCode == 0 {
            report.outcome = .failed
            report.exitCode = 1
        }
        if let exitCode { report.exitCode = exitCode }
        let code = write(report)
        state.recorded = (report, code)
        console.printSummary(report, result: result)
        emitJSON(report, exitCode: code, state: &state)
        return code
    }

    /// `report` with the run's plugins attached (under the failure policy).
    private func withPlugins(_ report: RunReport) -> RunReport {
        guard let plugins else { return report }
        var report = report
        report.attach(plugins: plugins.snapshot, policy: pluginFailurePolicy)
        return report
    }

    /// Writes `result.json`; the report's exit code, or 2 if it failed.
    private func write(_ report: RunReport) -> Int32 {
        do {
            try report.writeJSON(to: directory.resultPath)
            return report.exitCode
        } catch {
            printError(
                "cannot write the run's result to \(directory.path)/result.json: \(SystemErrorText.reason(error)); exiting with code 2"
            )
            return ExitStatus.usage.rawValue
        }
    }

    private func emitJSON(_ report: RunReport, exitCode: Int32, state: inout State) {
        guard let output, !state.jsonPrinted else { return }
        state.jsonPrinted = true
        var shown = report
        shown.exitCode = exitCode
        try? shown.encodeJSON { output.writeAll($0) }
    }
}
