import DagronSDK
import Foundation
import Synchronization

/// Collects every node's duration as the executor measured it (the
/// ``NodeResult`` that `post_node`/`on_error` carry, the same figure the log
/// and the metrics show: the task's run time, and for a gate node the wait
/// as well) and, at `post_execute`, writes a table sorted by duration
/// with each node's share of the total and the critical path (the heaviest
/// path through the DAG, by duration).
///
/// Settings:
/// - `output`: `stderr` (default), `stdout`, or a file the table is appended to;
/// - `json`: also write the timings to this JSON file (replaced atomically each run);
/// - `top`: show only the N slowest nodes in the table, 0 to 100000 (default 0: all).
///
/// Each is checked in `configure`, the folders of `output` and `json` included.
final class TimingPlugin: DagronPlugin {
    let name = "timing"
    /// The settings the plugin accepts (see ``TimingSettings/schema``).
    var settingsSchema: PluginSettingsSchema { TimingSettings.schema }
    let version = "1.0.0"
    let summary =
        "Per-node timings, share of total and critical path at the end of a run (settings: output, json, top)."

    private let settings = Mutex<TimingSettings?>(nil)
    /// Timings of the executions in progress, by DAG identity (runs sharing a
    /// registry may overlap).
    private let runs = Mutex(RunsInProgress())

    func configure(_ settings: PluginSettings) throws {
        let parsed = try TimingSettings(settings)
        self.settings.withTrackedLock { $0 = parsed }
    }

    func initialize(hooks: HookRegistry) throws {
        let settings = try self.settings.withTrackedLock { $0 } ?? TimingSettings(PluginSettings(plugin: name))
        self.settings.withTrackedLock { $0 = settings }
        hooks.register(.preExecute) { [self] context in
            let dag = context.dag
            self.runs.withTrackedLock { $0.begin(dag.map(ObjectIdentifier.init), nodeCount: dag?.nodeCount ?? 0) }
        }
        let finished: HookCallback = { [self] context in
            guard let node = context.nodeName, let result = context.nodeResult else { return }
            let status = result.status.rawValue
            let seconds = result.durationSeconds
            let index = context.nodeIndex
            self.updateRun(of: context) { $0.finished(node, index: index, status: status, seconds: seconds) }
        }
        hooks.register(.postNode, finished)
        hooks.register(.onError, finished)
        hooks.register(.postExecute) { [self, name] context in
            guard let timings = self.runs.withTrackedLock({ $0.end(context.dag.map(ObjectIdentifier.init)) }) else {
                return
            }
            // The JSON file lists every node; the table only the `top` slowest.
            let report = TimingReport(
                timings: timings, dag: context.dag, wallSeconds: context.executionResult?.totalDurationSeconds,
                rowLimit: settings.json == nil && settings.top > 0 ? settings.top : nil)
            do {
                try settings.write(table: report.table(top: settings.top))
                if let path = settings.json { try report.writeJSON(to: path) }
            } catch {
                StandardErrorLine.write("plugin '\(name)': \(error)")
            }
        }
    }

    /// Updates the timings of the run `context` belongs to (by its DAG).
    private func updateRun(of context: HookContext, _ body: (inout RunTimings) -> Void) {
        let dag = context.dag
        runs.withTrackedLock { runs in
            runs.update(dag.map(ObjectIdentifier.init), nodeCount: dag?.nodeCount ?? 0, body)
        }
    }

    func teardown() {
        self.runs.withTrackedLock { $0.removeAll() }
    }
}

@_cdecl("dagron_plugin_abi_version")
public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

@_cdecl("dagron_plugin_create")
public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(TimingPlugin()) }
