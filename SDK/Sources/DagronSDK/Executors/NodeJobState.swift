/// Where a submitted job stands, as ``NodeExecutor/poll(_:)`` reports it.
public enum NodeJobState: Sendable, Hashable {
    /// Accepted, not started (a job waiting in a cluster's queue).
    case queued
    /// Running; `startedAt` in seconds since the Unix epoch, when known.
    case running(startedAt: Double?)
    /// Ended, for whatever reason.
    case finished(NodeJobOutcome)

    /// Whether the job has ended.
    public var isFinished: Bool {
        if case .finished = self { return true }
        return false
    }
}
