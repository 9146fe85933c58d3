import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation

/// Completes the gate of `dagron gate approve|reject RUN_DIR NAME`: the
/// gates of the run directory on the command line (else
/// `.dagron/runs/latest`) that are not decided yet, or all of them when
/// every one is.
enum GateNameCompletion {
    /// The gate names starting with `prefix`, sorted.
    static func complete(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        let words = CompletionWords(words: words)
        let runDir = words.argument(after: "approve") ?? words.argument(after: "reject") ?? ".dagron/runs/latest"
        let directory = RunDirectory(path: runDir)
        guard let manifest = try? RunDirectory.readJSON(RunManifest.self, from: directory.manifestPath) else {
            return []
        }
        let names = manifest.gates.keys.sorted().filter { $0.hasPrefix(prefix) }
        let open = names.filter { GateFileBridge.status(of: $0, in: directory)?.status.isResolved != true }
        return open.isEmpty ? names : open
    }
}
