/// One attempt of a node, as an executor receives it.
///
/// The command is a shell command line (run it with `/bin/sh -c`). Standard
/// output and standard error are **appended** to the two log paths (earlier
/// attempts' lines stay), which are files of the run directory: an executor
/// whose jobs run elsewhere must make them appear there by the time it
/// reports the job finished (a shared file system does that).
public struct NodeJob: Sendable, Hashable {
    /// The run's identifier (its run directory's name). Name every job of a
    /// run after it, so one query finds them all (see ``jobName``).
    public var runID: String
    /// The node's name.
    public var node: String
    /// Which attempt this is, from 1.
    public var attempt: Int
    /// The shell command line.
    public var command: String
    /// The complete environment of the command.
    public var environment: [String: String]
    /// The absolute working directory.
    public var workingDirectory: String
    /// The absolute path of the run directory (`DAGRON_RUN_DIR`).
    public var runDirectory: String
    /// Where standard output is appended.
    public var standardOutputPath: String
    /// Where standard error is appended.
    public var standardErrorPath: String
    /// What the node asks for (`resources:` in the pipeline).
    public var resources: NodeResources
    /// The node's timeout per attempt, in seconds, if it has one. The host
    /// enforces it by cancelling; an executor may also pass it on as a limit.
    public var timeoutSeconds: Double?

    /// Creates a job.
    public init(
        runID: String, node: String, attempt: Int, command: String, environment: [String: String],
        workingDirectory: String, runDirectory: String, standardOutputPath: String, standardErrorPath: String,
        resources: NodeResources = NodeResources(), timeoutSeconds: Double? = nil
    ) {
        self.runID = runID
        self.node = node
        self.attempt = attempt
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.runDirectory = runDirectory
        self.standardOutputPath = standardOutputPath
        self.standardErrorPath = standardErrorPath
        self.resources = resources
        self.timeoutSeconds = timeoutSeconds
    }

    /// `dagron-<runID>`: the name every job of the run shares, so that one
    /// `squeue --name` or `scancel --name` covers the run.
    public var jobName: String { "dagron-\(runID)" }
}
