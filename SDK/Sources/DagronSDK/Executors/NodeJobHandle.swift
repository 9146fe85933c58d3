/// A submitted job: which executor has it, under which id, for which node.
///
/// Hooks see it in ``NodeResult/job`` for nodes that ran through an
/// executor, and `result.json` records it.
public struct NodeJobHandle: Sendable, Hashable, CustomStringConvertible {
    /// The executor's name (`local`, `slurm`, ...).
    public var executor: String
    /// The job's identifier in the executor (a Slurm job id, a process id).
    public var id: String
    /// The node the job runs.
    public var node: String

    /// Creates a handle.
    public init(executor: String, id: String, node: String) {
        self.executor = executor
        self.id = id
        self.node = node
    }

    /// `slurm job 4711`.
    public var description: String { "\(executor) job \(id)" }
}
