@_spi(DagronHost) public import DagronSDK

/// A command that exited non-zero, was killed by a signal, or could not start.
///
/// As a `ProcessReport` it gives the node's `NodeResult` the exit code and
/// the last lines of standard error.
public struct ProcessFailure: Error, ProcessReport, Sendable, CustomStringConvertible {
    /// How the command ended.
    public enum Reason: Sendable, Equatable {
        /// It exited with this non-zero status.
        case exited(Int32)
        /// A signal ended it.
        case signaled(Int32)
        /// It could not be started.
        case launch(String)
        /// Its executor ended it without an exit status (a cluster job
        /// cancelled from outside, a failed cluster node); the text says how.
        case ended(String)
    }

    /// The node.
    public let node: String
    /// How the command ended.
    public let reason: Reason
    /// The last lines the attempt wrote to standard error.
    public let stderrTail: String?
    /// The executor job the command ran as, if it ran through an executor.
    public let job: NodeJobHandle?

    /// Creates a failure.
    public init(node: String, reason: Reason, stderrTail: String?, job: NodeJobHandle? = nil) {
        self.node = node
        self.reason = reason
        self.stderrTail = stderrTail
        self.job = job
    }

    /// The exit code; for a signal, `128 + signal` as shells report it.
    public var exitCode: Int32? {
        switch reason {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        case .launch, .ended: nil
        }
    }

    /// `command exited with status 3`, `command was killed by signal 9`, ...
    public var description: String {
        switch reason {
        case .exited(let code): "command exited with status \(code)"
        case .signaled(let signal): "command was killed by signal \(signal)"
        case .launch(let why): "command could not start: \(why)"
        case .ended(let how): "command \(how)"
        }
    }
}
