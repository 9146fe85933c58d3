/// What `dagron gate list --json` prints: the run and each of its gates.
struct GateListJSON: Encodable {
    /// One gate of the run.
    struct Gate: Encodable {
        /// The gate node's name.
        let name: String
        /// `pending`, `waiting`, `approved`, `rejected` or `timed_out`.
        let status: String
        /// The gate's question, if the pipeline gives one.
        @Nullable var message: String? = nil
        /// Why it was rejected, if it was and a reason was given.
        @Nullable var reason: String? = nil
    }

    /// The run directory, as given.
    let runDirectory: String
    /// The pipeline file of the run.
    let pipeline: String
    /// The pipeline's name.
    let name: String
    /// When the run started.
    @Nullable var startedAt: String? = nil
    /// Whether the run is still going (its process is alive and it has no result yet).
    let running: Bool
    /// The gates, by name.
    let gates: [Gate]
}
