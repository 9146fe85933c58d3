/// The timings of the executions in progress, by the identity of their DAG.
///
/// Runs sharing a registry may overlap, but nearly always there is one, so
/// the runs sit in a short list searched by identity: a node event costs a
/// comparison, not a hash of the key.
struct RunsInProgress: Sendable {
    private var runs: [(dag: ObjectIdentifier?, timings: RunTimings)] = []

    /// Starts timing a run of `dag` (replacing an unfinished one of the same DAG).
    mutating func begin(_ dag: ObjectIdentifier?, nodeCount: Int) {
        if let index = position(of: dag) { runs.remove(at: index) }
        runs.append((dag, RunTimings(nodeCount: nodeCount)))
    }

    /// Updates the timings of `dag`'s run, starting one if a node event came
    /// without a `pre_execute` (a host driving hooks by hand).
    mutating func update(
        _ dag: ObjectIdentifier?, nodeCount: @autoclosure () -> Int, _ body: (inout RunTimings) -> Void
    ) {
        if let index = position(of: dag) {
            body(&runs[index].timings)
        } else {
            var timings = RunTimings(nodeCount: nodeCount())
            body(&timings)
            runs.append((dag, timings))
        }
    }

    /// Stops timing `dag`'s run and returns its timings.
    mutating func end(_ dag: ObjectIdentifier?) -> RunTimings? {
        guard let index = position(of: dag) else { return nil }
        return runs.remove(at: index).timings
    }

    /// Forgets every run.
    mutating func removeAll() {
        runs.removeAll()
    }

    private func position(of dag: ObjectIdentifier?) -> Int? {
        // The most recent run is the likeliest.
        runs.lastIndex { $0.dag == dag }
    }
}
