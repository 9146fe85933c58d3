/// `run.json`: what a run directory belongs to, so that other processes
/// (`dagron gate approve`) can check what they are told against it.
public struct RunManifest: Codable, Sendable, Equatable {
    /// The pipeline file.
    public var pipeline: String
    /// The pipeline's name.
    public var name: String
    /// The process id of the `dagron run`.
    public var processID: Int32
    /// When the run started, seconds since the Unix epoch.
    public var startedAt: Double
    /// Every node, in file order.
    public var nodes: [String]
    /// The gate nodes and their messages.
    public var gates: [String: String]

    /// Creates a manifest.
    public init(
        pipeline: String, name: String, processID: Int32, startedAt: Double, nodes: [String], gates: [String: String]
    ) {
        self.pipeline = pipeline
        self.name = name
        self.processID = processID
        self.startedAt = startedAt
        self.nodes = nodes
        self.gates = gates
    }
}
