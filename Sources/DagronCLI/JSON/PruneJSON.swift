/// What `dagron runs prune --json` prints.
struct PruneJSON: Encodable {
    /// Whether this was `--dry-run` (then nothing was removed).
    let dryRun: Bool
    /// The runs removed (or that would be), as `runs list --json` shows them.
    let removed: [RunEntry]
    /// The runs that matched but are in progress, so were kept.
    let keptRunning: [RunEntry]
    /// The space freed (or that would be), in bytes.
    let freedBytes: Int64
}
