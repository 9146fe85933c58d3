import ClusterJobSupport
public import DagronSDK
import Foundation
import Synchronization

/// The `slurm` executor: nodes of a pipeline that says `executor: slurm`
/// run as Slurm batch jobs (see ``SlurmExecutor``).
///
/// Settings (all optional): `partition`, `account`, `qos`; `extra_args`,
/// more `sbatch` options (a JSON list of strings or words split as by
/// `/bin/sh`); `poll_interval` (default `2s`); `sbatch`, `squeue`,
/// `scontrol`, `scancel`, `sacct`: the tools' names or paths.
public final class SlurmExecutorPlugin: NodeExecutorPlugin {
    /// `slurm`.
    public let name = "slurm"
    /// The settings the plugin accepts (see ``SlurmSettings/schema``).
    public var settingsSchema: PluginSettingsSchema { SlurmSettings.schema }
    /// The plugin's version.
    public let version = "1.0.0"
    /// One line for `dagron plugins list`.
    public let summary =
        "Runs nodes as Slurm batch jobs (settings: partition, account, qos, extra_args, poll_interval, sbatch, squeue, scontrol, scancel, sacct)."

    private let settings = Mutex<SlurmSettings?>(nil)
    private let executors = Mutex<[SlurmExecutor]>([])

    /// Creates the plugin; the host configures it next.
    public init() {}

    /// Reads and checks the settings; throws a ``PluginSettingsError`` naming the key.
    public func configure(_ settings: PluginSettings) throws {
        let parsed = try SlurmSettings(settings)
        self.settings.withTrackedLock { $0 = parsed }
    }

    /// Registers nothing: the plugin is an executor.
    public func initialize(hooks: HookRegistry) throws {}

    /// The executor, with its tools found on `PATH`.
    /// - Throws: ``ClusterJobError`` when `sbatch`, `squeue`, `scontrol` or `scancel` is missing.
    public func makeExecutor() throws -> any NodeExecutor {
        let settings = try self.settings.withTrackedLock { $0 } ?? SlurmSettings(PluginSettings(plugin: name))
        let tools = try SlurmTools(settings, searchPath: ProcessInfo.processInfo.environment["PATH"])
        let executor = SlurmExecutor(settings: settings, tools: tools)
        executors.withTrackedLock { $0.append(executor) }
        return executor
    }

    /// Cancels every job the executor submitted that was not reported finished.
    public func teardown() {
        for executor in executors.withTrackedLock({ $0 }) { executor.cancelUnfinished() }
    }
}
