public import DagronSDK
import Foundation

/// What a ``BatchScript`` wrote when its command ended:
/// `status=N started=S finished=F`.
public struct ExitFile: Sendable, Hashable {
    /// The command's exit status as `/bin/sh` reports it (128 + N when signal N killed it).
    public var status: Int32
    /// When the script started, in seconds since the epoch.
    public var startedAt: Double?
    /// When the command ended, in seconds since the epoch.
    public var finishedAt: Double?

    /// Creates a record.
    public init(status: Int32, startedAt: Double? = nil, finishedAt: Double? = nil) {
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// Reads the exit file at `path`; `nil` when it does not exist (yet) or
    /// does not say `status=N` (a partial or foreign file).
    public static func read(path: String) -> ExitFile? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        // The file is one short line; a huge foreign file is not read whole.
        guard let data = try? handle.read(upToCount: 4096) else { return nil }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// Parses the exit file's text; `nil` unless it has a `status=` field
    /// with a number that fits an exit status.
    public static func parse(_ text: String) -> ExitFile? {
        var fields: [Substring: Substring] = [:]
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            guard let equals = word.firstIndex(of: "=") else { continue }
            fields[word[..<equals]] = word[word.index(after: equals)...]
        }
        guard let statusText = fields["status"], let status = Int32(statusText), (0...255).contains(status) else {
            return nil
        }
        func seconds(_ key: Substring) -> Double? {
            fields[key].flatMap { Int64($0) }.map(Double.init)
        }
        return ExitFile(status: status, startedAt: seconds("started"), finishedAt: seconds("finished"))
    }

    /// The outcome it stands for: `succeeded` for status 0, else `failed`
    /// with the status as exit code.
    public var outcome: NodeJobOutcome {
        NodeJobOutcome(
            ending: status == 0 ? .succeeded : .failed, exitCode: status,
            startedAt: startedAt, finishedAt: finishedAt,
            message: status == 0 ? nil : "the command exited with status \(status) (from the job's exit file)")
    }
}
