package import Foundation

/// How dagron writes the JSON documents people and scripts read
/// (`result.json`, `run.json`, the quarantine, every `--json`).
package enum DocumentJSON {
    /// An encoder that pretty-prints, sorts keys and leaves slashes alone, so
    /// that a document is stable to diff.
    package static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
