/// `scontrol -o show job`: every job the controller still holds (finished
/// ones for `MinJobAge` seconds), one line each of `Key=Value` words.
enum SlurmControllerListing {
    /// The records of the lines whose `JobId` is in `ids` (all when `nil`).
    ///
    /// Only the first `JobId`, `JobState`, `ExitCode`, `StartTime` and
    /// `EndTime` words of a line count: they come before the free-text
    /// fields (`Command=`, `WorkDir=`, `Comment=`) whose values may hold
    /// blanks and `=`.
    static func parse(_ output: String, ids: Set<String>? = nil) -> [String: SlurmJobRecord] {
        var records: [String: SlurmJobRecord] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            var fields: [Substring: Substring] = [:]
            for word in line.split(separator: " ") {
                guard let equals = word.firstIndex(of: "=") else { continue }
                let key = word[..<equals]
                guard wanted.contains(key), fields[key] == nil else { continue }
                fields[key] = word[word.index(after: equals)...]
            }
            guard let id = fields["JobId"].map(String.init), !id.isEmpty, let state = fields["JobState"],
                !state.isEmpty,
                ids?.contains(id) ?? true
            else { continue }
            records[id] = SlurmJobRecord(
                id: id, state: String(state), exitCode: fields["ExitCode"].map(String.init),
                start: fields["StartTime"].map(String.init), end: fields["EndTime"].map(String.init))
        }
        return records
    }

    private static let wanted: Set<Substring> = ["JobId", "JobState", "ExitCode", "StartTime", "EndTime"]
}
