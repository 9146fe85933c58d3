@_spi(DagronHost) public import DagronSDK
import Foundation
import Synchronization

/// Runs a plugin's whole lifecycle in an isolated host against a small
/// synthetic run, so its author sees a crash in `post_node` before a user
/// does: what `dagron plugins check` does for each file that loads.
///
/// The run: `extract` succeeds; `transform` (after it) fails; `load` (after
/// `transform`) is skipped; `report` (after `extract`) succeeds. That fires
/// every event of the lifecycle — `pre_build`, `post_build`, `pre_execute`,
/// `pre_node`, `post_node`, `on_error`, `post_execute` — plus `node_skipped`,
/// then tears the plugin down.
public struct PluginLifecycleCheck: Sendable {
    /// How the plugin is hosted (its executable; the health record is the check's own).
    public var host: IsolatedPluginHost

    /// Creates a check that starts plugins with `host`'s executable.
    public init(host: IsolatedPluginHost) {
        self.host = host
    }

    /// How the lifecycle went.
    public enum Outcome: Sendable {
        /// Every phase ran; the events the plugin has callbacks for, with how many it was sent.
        case passed(delivered: [(event: HookEvent, count: Int)])
        /// The plugin declined to configure or initialize (it threw): not a
        /// crash, but the lifecycle could not go on. The error, in words.
        case declined(phase: String, message: String)
        /// The plugin crashed, exited or stalled.
        case failed(PluginFault)
        /// It could not even be started.
        case notLoaded(PluginLoadError)
    }

    /// The node names of the synthetic run.
    public static let nodes = ["extract", "transform", "load", "report"]

    /// Runs the lifecycle of the plugin `name` in `candidate` with `settings`.
    public func run(_ candidate: PluginCandidate, name: String, settings: PluginSettings) -> Outcome {
        var host = self.host
        let health = PluginHealth()
        host.health = health
        host.warn = { _ in }
        let loaded: LoadedPlugin
        do {
            loaded = try host.launch(candidate, name: name)
        } catch {
            return .notLoaded(error)
        }
        guard let plugin = loaded.plugin as? IsolatedPlugin else {
            return .declined(phase: "load", message: "not isolated")
        }
        let manager = PluginManager(warningHandler: { _ in })
        manager.register(plugin, settings: settings, origin: loaded.path)
        for (phase, failures) in [
            ("configure", { manager.configureAll() }), ("initialize", { manager.initializeAll() }),
        ] {
            if let failure = failures().first {
                if let fault = plugin.fault { return .failed(fault) }
                manager.teardownAll()
                plugin.teardown()
                return .declined(phase: phase, message: "\(failure.error)")
            }
        }
        let counter = EventCounter()
        counter.attach(to: manager.hooks)
        let dag: DAG
        do {
            dag = try DAGBuilder(hooks: manager.hooks)
                .addNode("extract", metadata: ["kind": "run", "command": "true"])
                .addNode("transform", metadata: ["kind": "run", "command": "exit 1"])
                .addNode("load", metadata: ["kind": "run", "command": "true"])
                .addNode("report", metadata: ["kind": "run", "command": "true"])
                .addEdge("extract", "transform")
                .addEdge("transform", "load")
                .addEdge("extract", "report")
                .build()
        } catch {
            return .declined(phase: "build", message: "\(error)")
        }
        let tasks: [String: NodeTask] = [
            "extract": .sync { nil },
            "transform": .sync { throw SyntheticFailure() },
            "load": .sync { nil },
            "report": .sync { nil },
        ]
        _ = DAGExecutor(dag, hooks: manager.hooks, maxWorkers: 1, failFast: false).executeBlocking(tasks)
        manager.teardownAll()
        if let fault = plugin.fault { return .failed(fault) }
        return .passed(delivered: counter.counts(for: plugin.listenedEvents))
    }

    /// The error the synthetic `transform` node fails with.
    struct SyntheticFailure: Error, CustomStringConvertible {
        var description: String { "synthetic failure (dagron plugins check)" }
    }
}

/// Counts the events fired on a registry.
private final class EventCounter: Sendable {
    private let counts = Mutex<[HookEvent: Int]>([:])

    func attach(to hooks: HookRegistry) {
        for event in HookEvent.allCases {
            hooks.register(event, priority: .max) { [self] _ in counts.withTrackedLock { $0[event, default: 0] += 1 } }
        }
    }

    func counts(for events: [HookEvent]) -> [(event: HookEvent, count: Int)] {
        let counts = counts.withTrackedLock { $0 }
        return events.map { ($0, counts[$0] ?? 0) }
    }
}
