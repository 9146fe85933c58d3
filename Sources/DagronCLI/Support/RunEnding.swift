import Dagron
import DagronSDK
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
/// wrote it, and the process exits at once with 130 without waiting for
/// the stuck thread. Both paths take the same lock; the abandoning one
/// never releases it, so the two cannot interleave.
final class RunEnding: Sendable {
    private struct State: Sendable {
        /// The report written, and the exit code it led to.
        var recorded: (report: RunReport, exitCode: Int32)?
        var jsonPrinted = false
    }

    private let pipeline: Pipeline
    private let directory: RunDirectory
    private let progress: RunProgress
    private let console: RunConsole
    private let output: ReservedStandardOutput?
    private let processGroups: ProcessGroupRegistry
    private let plugins: PluginHealth
    private let pluginFailure: PluginFailurePolicy
    private let state = Mutex(State())

    /// Creates the ending of a run of `pipeline` in `directory`; `output` is
    /// the reserved standard output with `--json`, else `nil`.
    init(
        pipeline: Pipeline, directory: RunDirectory, progress: RunProgress, console: RunConsole,
        output: ReservedStandardOutput?, processGroups: ProcessGroupRegistry,
        plugins: PluginHealth = PluginHealth(), pluginFailure: PluginFailurePolicy = .continue
    ) {
        self.plugins = plugins
        self.pluginFailure = pluginFailure
        self.pipeline = pipeline
        self.directory = directory
        self.progress = progress
        self.console = console
        self.output = output
        self.processGroups = processGroups
    }

    /// Writes `report` to `result.json` and returns the exit code of the
    /// run: the report's, or 2 (after printing why) if it cannot be written.
    func record(_ report: RunReport) -> Int32 {
        state.withTrackedLock { state in
            var report = report
            report.attach(plugins: plugins.snapshot, policy: pluginFailure)
            let code = write(report)
            state.recorded = (report, code)
            return code
        }
    }

    /// Writes `result.json` again if the plugins' states changed since
    /// ``record(_:)`` (a plugin failed in its teardown), and returns the
    /// run's exit code, which a plugin failure may have changed under
    /// `--plugin-failure fail`.
    func recordPluginChanges() -> Int32? {
        state.withTrackedLock { state in
            guard let recorded = state.recorded else { return nil }
            let entries = plugins.snapshot
            guard entries != (recorded.report.plugins ?? []) else { return recorded.exitCode }
            var report = recorded.report
            report.attach(plugins: entries, policy: pluginFailure)
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
    func endOnUnexpectedExit() -> Never {
        let reason = "the process was ended by a call to exit() in plugin code before dagron finished the run; "
            + "unfinished nodes were killed and are reported cancelled"
        printError(reason)
        return end(interrupted: false, endedEarly: reason)
    }

    /// Kills every node and leftover, writes what is known (once), prints
    /// the JSON document (once) and exits with the recorded code.
    private func end(interrupted: Bool, endedEarly: String?) -> Never {
        state.withTrackedLock { state -> Never in
            // Other threads may still be starting commands: those are killed as they register or appear.
            processGroups.sealAndKillAll()
            LeftoverProcessSweep(runDirectory: directory.absolutePath).killNow(watching: .milliseconds(250))
            let code: Int32
            if let recorded = state.recorded {
                emitJSON(recorded.report, exitCode: recorded.exitCode, state: &state)
                code = recorded.exitCode
            } else {
                let result = progress.result(nodes: pipeline.nodes.map(\.name))
                var report = RunReport(pipeline: pipeline, runDirectory: directory, result: result, interrupted: interrupted)
                report.endedEarly = endedEarly
                report.attach(plugins: plugins.snapshot, policy: pluginFailure)
                code = write(report)
                state.recorded = (report, code)
                console.printSummary(report, result: result)
                emitJSON(report, exitCode: code, state: &state)
            }
            dagron_flush_standard_streams()
            _exit(code)
        }
    }

    /// Writes `result.json`; the report's exit code, or 2 if it failed.
    private func write(_ report: RunReport) -> Int32 {
        do {
            try RunDirectory.writeJSON(report, to: directory.resultPath)
            return report.exitCode
        } catch {
            printError("cannot write the run's result to \(directory.resultPath): \(SystemErrorText.reason(error)); exiting with code 2")
            return ExitStatus.usage.rawValue
        }
    }

    private func emitJSON(_ report: RunReport, exitCode: Int32, state: inout State) {
        guard let output, !state.jsonPrinted else { return }
        state.jsonPrinted = true
        var shown = report
        shown.exitCode = exitCode
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(shown) else { return }
        output.writeAll(data + Data("\n".utf8))
    }
}
