import Dagron
import Foundation

/// One run directory under `.dagron/runs`, as `dagron runs list` shows it
/// (and prints it with `--json`).
struct RunEntry: Encodable {
    /// The run directory (under the runs folder as given).
    let runDirectory: String
    /// The pipeline file of the run.
    let pipeline: String
    /// The pipeline's name.
    let name: String
    /// When the run started, ISO 8601.
    @Nullable var startedAt: String? = nil
    /// `succeeded`, `failed` or `interrupted` from its `result.json`; `running`
    /// while its process is alive; `unfinished` when it ended without a result.
    let outcome: String
    /// How long the run took (so far, while running); `null` when unknown.
    @Nullable var durationSeconds: Double? = nil
    /// The disk space it takes, in bytes.
    let sizeBytes: Int64
    /// Whether `latest` points at it.
    let latest: Bool
    /// The process id of its `dagron run`.
    let processID: Int32

    /// `startedAt` as seconds since the Unix epoch, for ordering (not encoded).
    let startedAtSeconds: Double

    private enum CodingKeys: String, CodingKey {
        case runDirectory, pipeline, name, startedAt, outcome, durationSeconds, sizeBytes, latest, processID
    }

    /// Whether the run is in progress (and so never pruned).
    var isRunning: Bool { outcome == "running" }
}
