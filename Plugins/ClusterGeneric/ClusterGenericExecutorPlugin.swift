import ClusterJobSupport
public import DagronSDK
import Synchronization

/// The `cluster-generic` executor: nodes run on any batch scheduler through
/// command templates (see ``ClusterGenericExecutor``).
///
/// Settings: `submit` and `status` (required), `cancel`, `poll_interval`
/// (default `5s`), `states` (the status words' meanings over the defaults).
public final class ClusterGenericExecutorPlugin: NodeExecutorPlugin {
    /// `cluster-generic`.
    public let name = "cluster-generic"
    /// The settings the plugin accepts (see ``ClusterGenericSettings/schema``).
    public var settingsSchema: PluginSettingsSchema { ClusterGenericSettings.schema }
    /// The plugin's version.
    public let version = "1.0.0"
    /// One line for `dagron plugins list`.
    public let summary =
        "Runs nodes on any batch scheduler through command templates (settings: submit, status, cancel, poll_interval, states)."

    private let settings = Mutex<ClusterGenericSettings?>(nil)
    private let executors = Mutex<[ClusterGenericExecutor]>([])

    /// Creates the plugin; the host configures it next.
    public init() {}

    /// Reads and checks the settings; throws a ``PluginSettingsError`` naming the key.
    public func configure(_ settings: PluginSettings) throws {
        let parsed = try ClusterGenericSettings(settings)
        self.settings.withTrackedLock { $0 = parsed }
    }

    /// Registers nothing: the plugin is an executor.
    public func initialize(hooks: HookRegistry) throws {}

    /// The executor.
    /// - Throws: ``PluginSettingsError`` when `submit` or `status` was never configured.
    public func makeExecutor() throws -> any NodeExecutor {
        let settings = try self.settings.withTrackedLock { $0 } ?? ClusterGenericSettings(PluginSettings(plugin: name))
        let executor = ClusterGenericExecutor(settings: settings)
        executors.withTrackedLock { $0.append(executor) }
        return executor
    }

    /// Runs the `cancel` template for every job not reported finished.
    public func teardown() {
        for executor in executors.withTrackedLock({ $0 }) { executor.cancelUnfinished() }
    }
}
