import ClusterJobSupport

/// `squeue --noheader --format=%i|%T|%S`: the jobs still in the queue.
enum SlurmQueueListing {
    /// The `--format` argument the parser reads: id, long state, start time.
    static let format = "%i|%T|%S"

    /// The records in `output`, by job id. Lines that are not `id|STATE|start`
    /// are skipped; only the job's start time of a running job is kept (a
    /// pending job's is Slurm's estimate).
    static func parse(_ output: String) -> [String: SlurmJobRecord] {
        var records: [String: SlurmJobRecord] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingBlanks }
            guard fields.count >= 2, !fields[0].isEmpty, !fields[1].isEmpty else { continue }
            var record = SlurmJobRecord(id: fields[0], state: fields[1], start: fields.count > 2 ? fields[2] : nil)
            if record.state != "RUNNING" && record.state != "COMPLETING" { record.startedAt = nil }
            records[record.id] = record
        }
        return records
    }
}
