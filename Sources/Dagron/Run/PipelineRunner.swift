@_spi(DagronHost) public import DagronSDK
public import Foundation
import Synchronization

/// Runs a ``Pipeline``: builds its DAG (firing `pre_build`/`post_build`),
/// then submits each command node to its executor (``LocalExecutor`` unless
/// the pipeline or the node names another, see ``NodeExecutors``) and waits
/// at one ``ApprovalGate`` per gate node, logging into a ``RunDirectory``.
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
    /// The process groups of the local commands running now.
    public let processGroups: ProcessGroupRegistry
    /// The executors nodes are submitted to.
    public let executors: NodeExecutors
    /// Per node name: how many attempts it has begun in this runner.
    private let attempts: [String: AttemptCounter]

    /// A node's attempt count: found once when its task is made, not
    /// hashed for by name at every attempt.
    private final class AttemptCounter: Sendable {
        private let begun = Atomic<Int>(0)

        /// Counts an attempt beginning; its number (1 for the first).
        func next() -> Int { begun.add(1, ordering: .relaxed).newValue }
    }

    /// Creates a runner.
    /// - Parameters:
    ///   - pipeline: The pipeline.
    ///   - directory: The run directory (created by ``prepare()``).
    ///   - hooks: Where events are fired (a ``PluginManager``'s registry).
    ///   - maxWorkers: Overrides the pipeline's `max_workers`.
    ///   - environment: The base environment of commands; the process's by default.
    ///   - executors: The executors of the pipeline's plugins (`local` is always there).
    public init(
        pipeline: Pipeline, directory: RunDirectory, hooks: HookRegistry, maxWorkers: Int? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executors: [String: any NodeExecutor] = [:]
    ) {
        let processGroups = ProcessGroupRegistry()
        var set = NodeExecutors(local: LocalExecutor(processGroups: processGroups))
        for (name, executor) in executors { set.add(name, executor) }
        self.processGroups = processGroups
        self.executors = set
        self.pipeline = pipeline
        self.directory = directory
        self.hooks = hooks
        self.maxWorkers = maxWorkers ?? pipeline.maxWorkers ?? Self.defaultMaxWorkers(for: pipeline)
        self.environment = environment
        attempts = Dictionary(pipeline.nodes.map { ($0.name, AttemptCounter()) }) { first, _ in first }
        let gates = GateController()
        for node in pipeline.nodes where node.isGate {
            gates.add(node.name, ApprovalGate(timeoutSeconds: node.timeoutSeconds))
        }
        self.gates = gates
    }

    /// How many nodes run at once when neither the pipeline nor the command
    /// line says: one per CPU for local nodes, but ``clusterMaxWorkers``
    /// when the pipeline's default executor is a cluster's (its scheduler
    /// decides what runs; dagron only keeps that many jobs submitted).
    public static func defaultMaxWorkers(for pipeline: Pipeline) -> Int {
        if let executor = pipeline.executor, executor != LocalExecutor.name { return clusterMaxWorkers }
        return DAGExecutor.defaultMaxWorkers
    }

    /// The default number of jobs a cluster pipeline keeps submitted: 100.
    public static let clusterMaxWorkers = 100

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
        // The local command nodes' log files are made ahead of the workers.
        let local = Set(pipeline.nodes.filter { $0.command != nil && runsLocally($0) }.map(\.name))
        let logFiles = LogFilePreparer(nodes: dag.topologicalOrder.filter(local.contains), directory: directory)
        defer { logFiles.finish() }
        let executor = DAGExecutor(dag, hooks: hooks, maxWorkers: maxWorkers, failFast: pipeline.failFast, gates: gates)
        return await executor.execute(tasks(logFiles: logFiles))
    }

    /// The working directory of `node`: its `cwd` resolved against the pipeline file's folder.
    public func workingDirectory(of node: PipelineNode) -> String {
        Pipeline.workingDirectory(node.workingDirectory, pipelineFile: pipeline.path)
    }

    /// The run's identifier, as executors name its jobs: the run directory's name.
    public var runID: String {
        URL(fileURLWithPath: directory.absolutePath).lastPathComponent
    }

    private func tasks(logFiles: LogFilePreparer) -> [String: NodeTask] {
        var tasks: [String: NodeTask] = [:]
        // What every node shares is worked out once: resolving a path through
        // Foundation's URL costs tens of µs, once per node of a 500-node chain
        // was 10% of its run.
        let runDirectory = directory.absolutePath
        let runID = self.runID
        var sharedVariables = environment
        sharedVariables.merge(pipeline.environment) { $1 }
        // Encoded for `execve` once for the run; each attempt copies it.
        let shared = CommandEnvironment.Shared(sharedVariables)
        var workingDirectories: [String?: String] = [:]
        for node in pipeline.nodes {
            guard let command = node.command else { continue }
            // The parser and `dagron run` check executor names; a pipeline
            // built in code that names a missing one fails its nodes.
            let executorName = pipeline.executorName(of: node)
            guard let poller = executors.poller(executorName) else {
                let name = node.name
                tasks[name] = .sync {
                    throw ProcessFailure(
                        node: name, reason: .launch("no executor called '\(executorName)' in this run"), stderrTail: nil
                    )
                }
                continue
            }
            // In name order: the block's order does not depend on hashing.
            var variables = CommandEnvironment(
                shared: shared,
                own: node.environment.sorted { $0.key < $1.key }.map {
                    EnvironmentVariable(name: $0.key, value: $0.value)
                })
            variables.set("DAGRON_RUN_DIR", to: runDirectory)
            variables.set("DAGRON_NODE", to: node.name)
            // The first attempt's number, set once here: most nodes have no other attempt.
            variables.set("DAGRON_ATTEMPT", to: "1")
            let nodeVariables = variables
            let logs = directory.logs(for: node.name)
            let workingDirectory: String
            if let known = workingDirectories[node.workingDirectory] {
                workingDirectory = known
            } else {
                workingDirectory = self.workingDirectory(of: node)
                workingDirectories[node.workingDirectory] = workingDirectory
            }
            // The environment is the attempt's (`ExecutorAttempt` sets it).
            let template = NodeJob(
                runID: runID, node: node.name, attempt: 1, command: command, environment: [:],
                workingDirectory: workingDirectory, runDirectory: runDirectory,
                standardOutputPath: logs.standardOutputPath, standardErrorPath: logs.standardErrorPath,
                resources: node.resources, timeoutSeconds: node.timeoutSeconds)
            let name = node.name
            let counter = attempts[name] ?? AttemptCounter()
            let logPosition = logFiles.position(of: name)
            // Each attempt: its number, environment and logs.
            let attempt = { @Sendable in
                let number = counter.next()
                var job = template
                var environment = nodeVariables
                if number > 1 {
                    job.attempt = number
                    environment.set("DAGRON_ATTEMPT", to: String(number))
                    logs.markAttempt(number)
                }
                let openedLogs = logFiles.starting(at: logPosition)
                return ExecutorAttempt(poller: poller, job: job, environment: environment, openedLogs: openedLogs)
            }
            var task = NodeTask.async(
                timeout: node.timeoutSeconds.map(Self.duration), retries: node.retries,
                retryDelay: Self.duration(node.retryDelaySeconds)
            ) {
                try await attempt().run()
            }
            if let local = poller.executor as? LocalExecutor {
                // A local attempt is dagron's own code from start to end: with no
                // time limit it runs on the worker's thread, with no task; with
                // one, it never blocks, so it may run on the threads that start
                // and resume its task. An executor plugin's code may block, so it
                // keeps the global executor.
                task.blocking = { cancellation in try attempt().run(on: local, cancellation: cancellation) }
                task.runsInline = true
            }
            tasks[name] = task
        }
        return tasks
    }

    /// Whether `node` runs on dagron's own ``LocalExecutor`` (not an executor plugin).
    private func runsLocally(_ node: PipelineNode) -> Bool {
        executors.poller(pipeline.executorName(of: node))?.executor is LocalExecutor
    }

    /// The parser keeps durations within ``PipelineLimits``; a pipeline built
    /// in code may hold anything, so the conversion saturates rather than traps.
    private static func duration(_ seconds: Double) -> Duration {
        Duration(clampingSeconds: seconds)
    }
}
