/// What a command that exited with status 0 reports to its `NodeResult`.
public struct ProcessOutcome: ProcessReport, Sendable {
    /// Always 0.
    public let exitCode: Int32?
    /// `nil`: the tail is only kept for failures.
    public var stderrTail: String? { nil }
    /// The process id the command ran as.
    public let processID: Int32

    /// Creates an outcome.
    public init(exitCode: Int32, processID: Int32) {
        self.exitCode = exitCode
        self.processID = processID
    }
}
