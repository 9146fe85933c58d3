import Foundation
import TestSupport

/// A `--json` document printed by `dagron`, parsed, with the checks every
/// such document must pass.
enum JSONDocument {
    /// Standard output parsed as a JSON object; fails the test's `#require` when it is not one.
    static func object(_ finished: Finished) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(finished.stdout.utf8))) as? [String: Any]
    }

    /// Standard output parsed as a JSON array of objects.
    static func array(_ finished: Finished) -> [[String: Any]]? {
        (try? JSONSerialization.jsonObject(with: Data(finished.stdout.utf8))) as? [[String: Any]]
    }

    /// Whether `value` is a time the way every `--json` document writes one:
    /// ISO 8601 in UTC with milliseconds, `2026-12-03T14:05:09.123Z`.
    static func isISOTime(_ value: Any?) -> Bool {
        guard let text = value as? String else { return false }
        return text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil
    }
}
