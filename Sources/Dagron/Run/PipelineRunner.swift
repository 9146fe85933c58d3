import DagronSDK
import Foundation
import Synchronization

/// Runs a ``Pipeline``: builds its DAG (firing `pre_build`/`post_build`),
/// then executes one ``ShellCommand`` per command node and one
/// ``ApprovalGate`` per gate node, logging into a ``RunDirectory``.
///
/// ```swift
/// let runner = PipelineRunner(pipeline: pipeline, directory: runDir, hooks: manager.hooks)
/// let dag = try runner.build()
/// let result = await runner.execute(dag)   // cancel the calling task to interrupt
/// ```
///
/// Commands get the process environment, then the pipeline's `env`, then the
/// node's `env`, plus `DAGRON_RUN_DIR` (absolute), `DAGRON_NODE` and `DAGRON_ATTEMPT`
/// (1 for the first attempt). They run in the node's `cwd`, relative to the
/// pipeline file's folder, which is also the default.
public final class PipelineRunner: Sendable {
    /// The pipeline.
    public let pipeline: Pipeline
    /// Where logs and gate files go.
    public let directory: RunDirectory
    /// Where hook events are fired.
    public let hooks: HookRegistry
    /// The run's gates, one per gate node.
    public let gates: GateController
    /// The maximum number of nodes running at once.
    public let maxWorkers: Int
    /// The environment commands inherit.
    public let environment: [String: String]
    /// The process groups of the commands running now.
    public let processGroups = ProcessGroupRegistry()
    private let attempts = Mutex<[String: Int]>([:])

    /// Creates a runner.
    /// - Parameters:
    ///   - pipeline: The pipeline.
    ///   - directory: The run directory (created by ``prepare()``).
    ///   - hooks: Where events are fired (a ``PluginManager``'s registry).
    ///   - maxWorkers: Overrides the pipeline's `max_workers`.
    ///   - environment: The base environment of commands; the process's by default.
    public init(
        pipeline: Pipeline, directory: RunDirectory, hooks: HookRegistry, maxWorkers: Int? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.pipeline = pipeline
        self.directory = directory
        self.hooks = hooks
        self.maxWorkers = maxWorkers ?? pipeline.maxWorkers ?? DAGExecutor.defaultMaxWorkers
        self.environment = environment
        let gates = GateController()
        for node in pipeline.nodes where node.isGate {
            gates.add(node.name, ApprovalGate(timeoutSeconds: node.timeoutSeconds))
        }
        self.gates = gates
    }

    /// The gate messages, by gate name.
    public var gateMessages: [String: String] {
        var messages: [String: String] = [:]
        for node in pipeline.nodes {
            if case .gate(let message) = node.action { messages[node.name] = message ?? "" }
        }
        return messages
    }

    /// Creates the run directory (if needed) and writes its manifest.
    /// - Returns: The manifest written.
    @discardableResult
    public func prepare() throws -> RunManifest {
        try directory.create()
        let manifest = RunManifest(
            pipeline: pipeline.path, name: pipeline.name, processID: ProcessInfo.processInfo.processIdentifier,
            startedAt: WallClock.now(), nodes: pipeline.nodes.map(\.name), gates: gateMessages)
        try RunDirectory.writeJSON(manifest, to: directory.manifestPath)
        return manifest
    }

    /// Builds the DAG, firing `pre_build` and `post_build`. Each node's
    /// metadata holds `kind` (`command` or `gate`) and `command` or `message`.
    public func build() throws(DAGError) -> DAG {
        let builder = DAGBuilder(hooks: hooks)
        for node in pipeline.nodes {
            var metadata: [String: String] = [:]
            switch node.action {
            case .run(let command):
                metadata["kind"] = "command"
                metadata["command"] = command
            case .gate(let message):
                metadata["kind"] = "gate"
                if let message { metadata["message"] = message }
            }
            builder.addNode(node.name, metadata: metadata)
            builder.addDependencies(of: node.name, on: node.after)
        }
        return try builder.build()
    }

    /// Executes `dag`. Cancelling the calling task interrupts the run: running
    /// commands are terminated with their process groups and pending nodes are
    /// marked cancelled; the result is still returned.
    public func execute(_ dag: DAG) async -> ExecutionResult {
        let bridge = GateFileBridge(directory: directory, gates: gates, messages: gateMessages)
        bridge.start()
        defer { bridge.stop() }
        let executor = DAGExecutor(dag, hooks: hooks, maxWorkers: maxWorkers, failFast: pipeline.failFast, gates: gates)
        return await executor.execute(tasks())
    }

    /// The working directory of `node`: its `cwd` resolved against the pipeline file's folder.
    public func workingDirectory(of node: PipelineNode) -> String {
        Pipeline.workingDirectory(node.workingDirectory, pipelineFile: pipeline.path)
    }

    private func tasks() -> [String: NodeTask] {
        var tasks: [String: NodeTask] = [:]
        for node in pipeline.nodes {
            guard let command = node.command else { continue }
            var variables = environment
            variables.merge(pipeline.environment) { $1 }
            variables.merge(node.environment) { $1 }
            variables["DAGRON_RUN_DIR"] = directory.absolutePath
            variables["DAGRON_NODE"] = node.name
            let template = ShellCommand(
                node: node.name, command: command, environment: variables,
                workingDirectory: workingDirectory(of: node), logs: directory.logs(for: node.name),
                registry: processGroups)
            let name = node.name
            tasks[name] = .async(
                timeout: node.timeoutSeconds.map(Self.duration), retries: node.retries,
                retryDelay: Self.duration(node.retryDelaySeconds)
            ) { [self] in
                let attempt = attempts.withTrackedLock { counts in
                    counts[name, default: 0] += 1
                    return counts[name]!
                }
                var shell = template
                shell.environment["DAGRON_ATTEMPT"] = String(attempt)
                if attempt > 1 { shell.logs.markAttempt(attempt) }
                return try await shell.run()
            }
        }
        return tasks
    }

    /// The parser keeps durations within ``PipelineLimits``; a pipeline built
    /// in code may hold anything, so the conversion saturates rather than traps.
    private static func duration(_ seconds: Double) -> Duration {
        Duration(clampingSeconds: seconds)
    }
}
