@_spi(DagronHost) public import DagronSDK

/// The result of a pipeline run as JSON: what `dagron run --json` prints and
/// what `result.json` in the run directory holds.
public struct RunReport: Codable, Sendable {
    /// How the run ended.
    public enum Outcome: String, Codable, Sendable {
        /// Every node completed.
        case succeeded
        /// A node failed, timed out or was rejected.
        case failed
        /// The run was interrupted (Ctrl-C, SIGTERM).
        case interrupted
    }

    /// One node's result.
    public struct Node: Codable, Sendable {
        /// The node's name.
        public var name: String
        /// `completed`, `failed`, `skipped`, `timed_out` or `cancelled`.
        public var status: NodeStatus
        /// Whether the node is an approval gate.
        public var gate: Bool
        /// Time spent, in seconds.
        public var durationSeconds: Double
        /// Start, seconds since the Unix epoch.
        public var startedAt: Double?
        /// End, seconds since the Unix epoch.
        public var finishedAt: Double?
        /// How many attempts ran.
        public var attempts: Int
        /// The command's exit code (of the last attempt).
        public var exitCode: Int32?
        /// The error, in words.
        public var error: String?
        /// The last lines of standard error, for a failure.
        public var stderrTail: String?
        /// Why the node was skipped.
        public var skipReason: String?
        /// The standard output log (command nodes).
        public var stdoutLog: String?
        /// The standard error log (command nodes).
        public var stderrLog: String?
        /// The executor that ran the command (`local`, `slurm`, ...); `nil` for gates.
        public var executor: String?
        /// The job id the executor gave the command's last attempt
        /// (a Slurm job id); `nil` for local commands and nodes that never ran.
        public var jobId: String?
    }

    /// Counts of nodes by outcome.
    public struct Counts: Codable, Sendable, Equatable {
        /// Completed nodes.
        public var succeeded: Int
        /// Failed nodes (including rejected gates).
        public var failed: Int
        /// Skipped nodes.
        public var skipped: Int
        /// Timed-out nodes.
        public var timedOut: Int
        /// Cancelled nodes.
        public var cancelled: Int
        /// All nodes.
        public var total: Int
    }

    /// The pipeline file.
    public var pipeline: String
    /// The pipeline's name.
    public var name: String
    /// The run directory.
    public var runDirectory: String
    /// How the run ended.
    public var outcome: Outcome
    /// The process exit code `dagron run` ends with.
    public var exitCode: Int32
    /// Total wall time, in seconds.
    public var durationSeconds: Double
    /// Counts by outcome.
    public var counts: Counts
    /// Every node, in file order.
    public var nodes: [Node]
    /// Why the run ended before `dagron` could finish it normally (for
    /// example plugin code called `exit`), or `nil` for a run that ended normally.
    public var endedEarly: String?
    /// Every plugin of the run: where it ran, whether dagron had to stop it
    /// and why, and its callbacks that went over budget. `nil` for a run
    /// without plugins.
    public var plugins: [PluginHealth.Entry]?

    /// Records the run's plugins. Under ``PluginFailurePolicy/fail`` a
    /// failed plugin fails a run whose nodes all succeeded (exit code 1).
    public mutating func attach(plugins entries: [PluginHealth.Entry], policy: PluginFailurePolicy) {
        plugins = entries.isEmpty ? nil : entries
        if policy == .fail, outcome == .succeeded, entries.contains(where: { $0.state == .failed }) {
            outcome = .failed
            exitCode = 1
        }
    }

    /// Builds the report of `result` for `pipeline`.
    public init(pipeline: Pipeline, runDirectory: RunDirectory, result: ExecutionResult, interrupted: Bool) {
        self.pipeline = pipeline.path
        self.name = pipeline.name
        self.runDirectory = runDirectory.path
        outcome = interrupted ? .interrupted : (result.isSuccess ? .succeeded : .failed)
        exitCode =
            switch outcome {
            case .succeeded: 0
            case .failed: 1
            case .interrupted: 130
            }
        durationSeconds = result.totalDurationSeconds
        counts = Counts(
            succeeded: result.succeeded, failed: result.failed, skipped: result.skipped,
            timedOut: result.timedOut, cancelled: result.cancelled, total: result.results.count)
        nodes = pipeline.nodes.map { node in
            let nodeResult = result[node.name] ?? NodeResult(name: node.name, status: .pending)
            let logs = runDirectory.logs(for: node.name)
            return Node(
                name: node.name, status: nodeResult.status, gate: node.isGate,
                durationSeconds: nodeResult.durationSeconds, startedAt: nodeResult.startedAt,
                finishedAt: nodeResult.finishedAt, attempts: nodeResult.attempts, exitCode: nodeResult.exitCode,
                error: nodeResult.errorMessage, stderrTail: nodeResult.stderrTail, skipReason: nodeResult.skipReason,
                stdoutLog: node.isGate ? nil : logs.standardOutputPath,
                stderrLog: node.isGate ? nil : logs.standardErrorPath,
                executor: node.isGate ? nil : pipeline.executorName(of: node),
                jobId: nodeResult.job.flatMap { $0.executor == LocalExecutor.name ? nil : $0.id })
        }
    }
}
