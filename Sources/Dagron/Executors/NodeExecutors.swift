@_spi(DagronHost) public import DagronSDK

/// The executors a run can send nodes to, by name: always `local`, plus one
/// per executor plugin the pipeline uses.
///
/// ```swift
/// var executors = NodeExecutors(local: LocalExecutor(processGroups: groups))
/// executors.add("slurm", try slurmPlugin.makeExecutor())
/// ```
public struct NodeExecutors: Sendable {
    private var pollers: [String: JobPoller]

    /// The set holding only `local`.
    public init(local: LocalExecutor = LocalExecutor()) {
        pollers = [LocalExecutor.name: JobPoller(name: LocalExecutor.name, executor: local)]
    }

    /// Adds (or replaces) the executor called `name`.
    public mutating func add(_ name: String, _ executor: any NodeExecutor) {
        pollers[name] = JobPoller(name: name, executor: executor)
    }

    /// The names, sorted.
    public var names: [String] { pollers.keys.sorted() }

    /// Whether an executor is called `name`.
    public func contains(_ name: String) -> Bool { pollers[name] != nil }

    /// The poller of the executor called `name`.
    func poller(_ name: String) -> JobPoller? { pollers[name] }
}
