@_spi(DagronHost) public import DagronSDK

/// One node of a ``Pipeline``: a shell command or an approval gate.
public struct PipelineNode: Sendable {
    /// What a node does.
    public enum Action: Sendable, Equatable {
        /// Runs a command with `/bin/sh -c`.
        case run(command: String)
        /// Waits for approval; `message` is shown to whoever approves.
        case gate(message: String?)
    }

    /// The node's name (letters, digits, `_`, `-` and `.`).
    public var name: String
    /// What the node does.
    public var action: Action
    /// The nodes this one runs after.
    public var after: [String]
    /// Extra environment variables for the command.
    public var environment: [String: String]
    /// The working directory, as written (relative paths are relative to the pipeline file).
    public var workingDirectory: String?
    /// The command's timeout per attempt, or the gate's wait limit, in seconds.
    public var timeoutSeconds: Double?
    /// How many times a failed or timed-out command is tried again.
    public var retries: Int
    /// The pause between attempts, in seconds.
    public var retryDelaySeconds: Double
    /// The executor that runs the command (`executor:`), if the node names
    /// one; otherwise the pipeline's applies (see ``Pipeline/executorName(of:)``).
    public var executor: String?
    /// What the command asks of the machine that runs it (`resources:`).
    public var resources: NodeResources
    /// Where the node is declared in the file (1-based line).
    public var line: Int

    /// Creates a node.
    public init(
        name: String, action: Action, after: [String] = [], environment: [String: String] = [:],
        workingDirectory: String? = nil, timeoutSeconds: Double? = nil, retries: Int = 0,
        retryDelaySeconds: Double = 0, executor: String? = nil, resources: NodeResources = NodeResources(),
        line: Int = 0
    ) {
        self.name = name
        self.action = action
        self.after = after
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeoutSeconds = timeoutSeconds
        self.retries = retries
        self.retryDelaySeconds = retryDelaySeconds
        self.executor = executor
        self.resources = resources
        self.line = line
    }

    /// Whether the node is an approval gate.
    public var isGate: Bool {
        if case .gate = action { return true }
        return false
    }

    /// The shell command, for a command node.
    public var command: String? {
        if case .run(let command) = action { return command }
        return nil
    }
}
