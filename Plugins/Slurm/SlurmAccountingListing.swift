import ClusterJobSupport

/// `sacct -X -n -P -j IDS --format=JobID,State,ExitCode,Start,End`: the
/// accounting records of finished (and running) jobs.
enum SlurmAccountingListing {
    /// The `--format` argument the parser reads.
    static let format = "JobID,State,ExitCode,Start,End"

    /// The records in `output`, by job id (`-X` lists allocations only;
    /// `123.batch`-style step lines are skipped should they appear).
    static func parse(_ output: String) -> [String: SlurmJobRecord] {
        var records: [String: SlurmJobRecord] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingBlanks }
            guard fields.count >= 3, !fields[0].isEmpty, !fields[0].contains("."), !fields[1].isEmpty else { continue }
            let record = SlurmJobRecord(
                id: fields[0], state: fields[1], exitCode: fields[2],
                start: fields.count > 3 ? fields[3] : nil, end: fields.count > 4 ? fields[4] : nil)
            records[record.id] = record
        }
        return records
    }

    /// Whether sacct's error output says the cluster keeps no accounting
    /// (then it is not asked again).
    static func saysAccountingIsOff(_ errorOutput: String) -> Bool {
        let text = errorOutput.lowercased()
        return text.contains("accounting storage is disabled") || text.contains("accounting_storage/none")
    }
}
