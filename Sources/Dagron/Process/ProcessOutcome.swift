@_spi(DagronHost) public import DagronSDK

/// What a command that exited with status 0 reports to its `NodeResult`.
public struct ProcessOutcome: ProcessReport, Sendable {
    /// Always 0.
    public let exitCode: Int32?
    /// `nil`: the tail is only kept for failures.
    public var stderrTail: String? { nil }
    /// The process id the command ran as (0 when it ran through a remote executor).
    public let processID: Int32
    /// The executor job the command ran as, if it ran through an executor.
    public let job: NodeJobHandle?

    /// Creates an outcome.
    public init(exitCode: Int32, processID: Int32, job: NodeJobHandle? = nil) {
        self.exitCode = exitCode
        self.processID = processID
        self.job = job
    }
}
