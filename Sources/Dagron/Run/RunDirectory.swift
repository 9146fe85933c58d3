import Foundation

/// The directory one `dagron run` keeps its files in:
///
/// ```
/// <run dir>/
///   run.json                  the manifest: pipeline, process id, nodes, gates (RunManifest)
///   result.json               the result, written when the run ends (RunReport)
///   logs/<node>.stdout.log    each command's standard output, all attempts
///   logs/<node>.stderr.log    each command's standard error, all attempts
///   gates/<gate>.status       the gate's current status, kept up to date by the run
///   gates/<gate>.decision     an approval or rejection from another process (GateDecision)
/// ```
///
/// By default runs go to `.dagron/runs/<pipeline>-<timestamp>` and
/// `.dagron/runs/latest` links to the newest.
public struct RunDirectory: Sendable {
    /// The directory's path.
    public let path: String

    /// The run directory at `path` (nothing is created).
    public init(path: String) {
        self.path = path
    }

    /// The manifest's path.
    public var manifestPath: String { "\(path)/run.json" }
    /// The result's path.
    public var resultPath: String { "\(path)/result.json" }
    /// The logs folder.
    public var logsPath: String { "\(path)/logs" }
    /// The gates folder.
    public var gatesPath: String { "\(path)/gates" }

    /// The log files of `node`.
    public func logs(for node: String) -> NodeLogFiles {
        NodeLogFiles(directory: logsPath, node: node)
    }

    /// Where the status of gate `name` is kept.
    public func gateStatusPath(_ name: String) -> String { "\(gatesPath)/\(name).status" }
    /// Where a decision for gate `name` is dropped.
    public func gateDecisionPath(_ name: String) -> String { "\(gatesPath)/\(name).decision" }

    /// Creates the directory and its `logs` and `gates` folders.
    public func create() throws {
        for folder in [path, logsPath, gatesPath] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    /// A new, not yet existing directory under `base` for a run of `pipeline`:
    /// `<base>/<pipeline>-<yyyyMMdd-HHmmss>[-N]`, with characters other than
    /// letters, digits, `_`, `-` and `.` in the name written `-`.
    public static func fresh(under base: String, pipeline: String, now: Date = Date()) -> RunDirectory {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let safe = String(pipeline.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") ? $0 : "-" })
        let stem = "\(base)/\(safe.hasPrefix(".") ? "-" + safe.dropFirst() : safe)-\(formatter.string(from: now))"
        var candidate = stem
        var number = 1
        while FileManager.default.fileExists(atPath: candidate) {
            number += 1
            candidate = "\(stem)-\(number)"
        }
        return RunDirectory(path: candidate)
    }

    /// Points `<base>/latest` at this directory (best effort).
    public func markLatest(under base: String) {
        let link = "\(base)/latest"
        try? FileManager.default.removeItem(atPath: link)
        try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: (path as NSString).lastPathComponent)
    }

    /// Writes `value` as JSON to `path`, atomically.
    public static func writeJSON<Value: Encodable>(_ value: Value, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads JSON from `path`.
    public static func readJSON<Value: Decodable>(_ type: Value.Type, from path: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
