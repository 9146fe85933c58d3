import DagronSDK
import Foundation

/// What the words a cluster's status command prints mean: the `states` setting
/// over defaults for Slurm (long and short forms), PBS/Torque and LSF.
///
/// Words are matched without regard to case, with a trailing `+` dropped
/// (`CANCELLED+`).
struct ClusterStateTable: Sendable, Equatable {
    /// Where a job stands, in the host's terms.
    enum Meaning: String, Sendable, CaseIterable {
        case queued, running, succeeded, failed
        case timedOut = "timed_out"
        case cancelled
        /// Finished, with the outcome in the job's exit file (PBS `F`,
        /// Torque `C`, Slurm `F`): status 0 succeeded, any other failed.
        case ended
    }

    private(set) var meanings: [String: Meaning]

    /// The defaults.
    static let defaults: [String: Meaning] = {
        var table: [String: Meaning] = [:]
        func add(_ meaning: Meaning, _ words: String) {
            for word in words.split(separator: " ") { table[String(word)] = meaning }
        }
        // Slurm (long, then short), PBS/Torque, LSF.
        add(.queued, "PENDING CONFIGURING REQUEUED REQUEUE_HOLD REQUEUE_FED RESV_DEL_HOLD PD CF RQ RH RF RD")
        add(.queued, "Q H W T")
        add(.queued, "PEND PSUSP WAIT")
        add(.running, "RUNNING COMPLETING SUSPENDED STOPPED SIGNALING STAGE_OUT RESIZING R CG S ST SI SO RS")
        add(.running, "E B")
        add(.running, "RUN USUSP SSUSP")
        add(.succeeded, "COMPLETED CD DONE")
        add(.failed, "FAILED OUT_OF_MEMORY NODE_FAIL BOOT_FAIL PREEMPTED REVOKED SPECIAL_EXIT OOM NF BF PR RV SE")
        add(.failed, "EXIT ZOMBI")
        add(.timedOut, "TIMEOUT DEADLINE TO DL")
        add(.cancelled, "CANCELLED CA")
        add(.ended, "F C X")
        return table
    }()

    /// The defaults with `overrides` on top.
    init(overrides: [String: Meaning] = [:]) {
        meanings = Self.defaults
        for (word, meaning) in overrides { meanings[Self.key(word)] = meaning }
    }

    /// The meaning of `word`, `nil` when the table does not know it.
    func meaning(of word: String) -> Meaning? {
        meanings[Self.key(word)]
    }

    private static func key(_ word: String) -> String {
        String(word.uppercased().prefix { $0 != "+" })
    }

    /// Reads the `states` setting: a JSON object (`{"PD": "queued"}`) or
    /// `WORD=meaning` pairs separated by blanks or commas (`PD=queued, R=running`).
    /// - Throws: ``PluginSettingsError`` naming `key` for a malformed pair or an unknown meaning.
    static func overrides(_ settings: PluginSettings, key: String) throws(PluginSettingsError) -> [String: Meaning] {
        guard let raw = settings[key] else { return [:] }
        let expected =
            "WORD=meaning pairs (or a JSON object) where meaning is one of "
            + Meaning.allCases.map(\.rawValue).joined(separator: ", ")
        var pairs: [(String, String)] = []
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw .malformed(plugin: settings.plugin, key: key, value: raw, expected: expected)
            }
            for (word, value) in object {
                guard let meaning = value as? String, !(value is NSNumber) else {
                    throw .malformed(
                        plugin: settings.plugin, key: key, value: raw,
                        expected: expected + " ('\(word)' is not given a string)")
                }
                pairs.append((word, meaning))
            }
        } else {
            for item in trimmed.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
                let halves = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard halves.count == 2, !halves[0].isEmpty else {
                    throw .malformed(
                        plugin: settings.plugin, key: key, value: raw,
                        expected: expected + " ('\(item)' is not WORD=meaning)")
                }
                pairs.append((String(halves[0]), String(halves[1])))
            }
        }
        var result: [String: Meaning] = [:]
        for (word, name) in pairs {
            guard !word.contains(where: { $0.isWhitespace }), let meaning = Meaning(rawValue: name.lowercased()) else {
                throw .malformed(
                    plugin: settings.plugin, key: key, value: raw,
                    expected: expected + " ('\(word)=\(name)' is not one)")
            }
            result[word] = meaning
        }
        return result
    }
}
