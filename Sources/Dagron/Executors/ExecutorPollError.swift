@_spi(DagronHost) import DagronSDK

/// An executor's ``NodeExecutor/poll(_:)`` kept failing, so the host stopped
/// waiting for its jobs (and asked for them to be cancelled).
public struct ExecutorPollError: Error, CustomStringConvertible {
    /// The executor.
    public let executor: String
    /// How many polls failed in a row.
    public let failures: Int
    /// The last poll's error, in words.
    public let lastError: String

    /// Creates the error.
    public init(executor: String, failures: Int, lastError: String) {
        self.executor = executor
        self.failures = failures
        self.lastError = lastError
    }

    /// `executor 'slurm' could not report job states (10 polls failed in a row): ...`.
    public var description: String {
        "executor '\(executor)' could not report job states (\(failures) polls failed in a row): \(lastError)"
    }
}
