/// What `dagron validate --json` prints for a valid file.
struct ValidationJSON: Encodable {
    /// The pipeline file, as given.
    let pipeline: String
    /// The pipeline's name.
    let name: String
    /// Always `true`: an invalid file prints no document (exit code 2).
    let valid: Bool
    /// How many nodes, gates included.
    let nodes: Int
    /// How many of them are gates.
    let gates: Int
    /// How many `after` edges.
    let dependencies: Int
    /// The plugins a run would load, in load order.
    let plugins: [String]
    /// The executor plugins the nodes run on.
    let executors: [String]
}
