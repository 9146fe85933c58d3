public import DagronSDK

/// What a cluster executor remembers of the jobs it submitted: their exit
/// files, which were cancelled, which have been reported finished, and how
/// long each has been missing from the cluster's answers.
///
/// A value type: each executor keeps its own behind a `Mutex` (there is no
/// shared state between executors or plugins).
public struct JobLedger: Sendable {
    /// One submitted job.
    public struct Entry: Sendable {
        /// The job's name in the cluster (`dagron-<runID>`).
        public var jobName: String
        /// The node it runs.
        public var node: String
        /// Where its batch script writes the exit status.
        public var exitFilePath: String
        /// Whether ``JobLedger/cancelRequested(_:)`` was recorded for it.
        public var cancelRequested = false
        /// The outcome once a poll reported it.
        public var outcome: NodeJobOutcome?
        /// Consecutive polls that found it nowhere (no queue entry, no record, no exit file).
        public var missingPolls = 0
        /// When it was first found nowhere, in seconds of ``JobLedger`` time.
        public var missingSince: Double?
    }

    /// How many consecutive polls a job may be found nowhere before it is
    /// reported lost, and for how many seconds at least (a shared file
    /// system may show the exit file late).
    public var lostAfterPolls: Int
    /// See ``lostAfterPolls``.
    public var lostAfterSeconds: Double

    private var entries: [String: Entry] = [:]

    /// An empty ledger.
    public init(lostAfterPolls: Int = 5, lostAfterSeconds: Double = 60) {
        self.lostAfterPolls = lostAfterPolls
        self.lostAfterSeconds = lostAfterSeconds
    }

    /// Records a submitted job under its cluster id.
    public mutating func submitted(id: String, jobName: String, node: String, exitFilePath: String) {
        entries[id] = Entry(jobName: jobName, node: node, exitFilePath: exitFilePath)
    }

    /// The job with cluster id `id`, if this executor submitted it.
    public subscript(id: String) -> Entry? { entries[id] }

    /// Records that cancellation of `ids` was asked for.
    public mutating func cancelRequested(_ ids: [String]) {
        for id in ids { entries[id]?.cancelRequested = true }
    }

    /// Records that `id` was seen in the cluster's answers (not missing).
    public mutating func seen(_ id: String) {
        entries[id]?.missingPolls = 0
        entries[id]?.missingSince = nil
    }

    /// Records `outcome` as the job's end; later polls answer with it.
    public mutating func finished(_ id: String, _ outcome: NodeJobOutcome) {
        entries[id]?.outcome = outcome
        seen(id)
    }

    /// The ids of submitted jobs not reported finished: what a teardown cancels.
    public var unfinishedIDs: [String] {
        entries.filter { $0.value.outcome == nil }.keys.sorted { ($0.count, $0) < ($1.count, $1) }
    }

    /// The end of a job that the cluster no longer lists and has no record
    /// of: its exit file when there is one, else, once it has been missing
    /// for ``lostAfterPolls`` polls and ``lostAfterSeconds`` seconds, a
    /// `cancelled` outcome (when it was cancelled) or a `failed` one saying
    /// the job was lost. `nil` while it may still turn up. The outcome is
    /// recorded.
    /// - Parameter now: The current time in seconds (any monotonic origin).
    public mutating func resolveUnlisted(_ id: String, executor: String, now: Double) -> NodeJobOutcome? {
        guard var entry = entries[id] else { return nil }
        if let outcome = entry.outcome { return outcome }
        if let exit = ExitFile.read(path: entry.exitFilePath) {
            var outcome = exit.outcome
            if entry.cancelRequested && exit.status != 0 {
                outcome.ending = .cancelled
            }
            finished(id, outcome)
            return outcome
        }
        entry.missingPolls += 1
        let since = entry.missingSince ?? now
        entry.missingSince = since
        entries[id] = entry
        guard entry.missingPolls >= lostAfterPolls, now - since >= lostAfterSeconds else { return nil }
        let outcome =
            entry.cancelRequested
            ? NodeJobOutcome(
                ending: .cancelled, message: "\(executor) job \(id) was cancelled before it wrote an exit status")
            : NodeJobOutcome(
                ending: .failed,
                message:
                    "\(executor) job \(id) was lost: the cluster no longer knows it and it left no exit file (\(entry.exitFilePath))"
            )
        finished(id, outcome)
        return outcome
    }
}
