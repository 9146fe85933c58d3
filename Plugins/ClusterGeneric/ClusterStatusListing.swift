/// The output of the `status` command: lines `<job id> <state word> ...`.
enum ClusterStatusListing {
    /// The state word of each job id in `output`. Blank lines and lines with
    /// fewer than two words are skipped; words after the second are ignored;
    /// the first line for an id counts.
    static func parse(_ output: String) -> [String: String] {
        var states: [String: String] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2 else { continue }
            let id = String(words[0])
            if states[id] == nil { states[id] = String(words[1]) }
        }
        return states
    }
}
