import Dagron
import Foundation
import Testing

/// `result.json` is written a chunk of nodes at a time: the text must be the
/// one `JSONEncoder` gives for the whole report, and the file must appear
/// whole or not at all.
@Suite struct RunReportStreamingTests {
    /// A report with `count` nodes, varied so that every optional field is
    /// both present and absent and strings need escaping.
    static func report(nodes count: Int, plugins: Bool = false) throws -> RunReport {
        let nodes = (0..<count).map { index -> [String: Any] in
            var node: [String: Any] = [
                "name": "node-\(index) \"quoted\" / é ✓", "status": index % 3 == 0 ? "failed" : "completed",
                "gate": index % 7 == 0, "durationSeconds": Double(index) / 3, "attempts": index % 4,
            ]
            if index % 2 == 0 {
                node["startedAt"] = 1_790_000_000.125 + Double(index)
                node["exitCode"] = index % 256
                node["stderrTail"] = "line one\nline two\twith a tab\n\u{1}"
                node["stdoutLog"] = "/runs/r/logs/node-\(index).stdout.log"
            }
            if index % 5 == 0 { node["jobId"] = String(index * 31) }
            return node
        }
        var document: [String: Any] = [
            "pipeline": "/work/p.yml", "name": "p\nq", "runDirectory": "/runs/r", "outcome": "failed",
            "exitCode": 1, "durationSeconds": 12.5,
            "counts": ["succeeded": 1, "failed": 2, "skipped": 0, "timedOut": 0, "cancelled": 0, "total": count],
            "nodes": nodes, "endedEarly": "plugin 'x' called exit(0)",
        ]
        if plugins { document["plugins"] = [] as [Any] }
        let data = try JSONSerialization.data(withJSONObject: document)
        return try JSONDecoder().decode(RunReport.self, from: data)
    }

    static func wholeText(_ report: RunReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(report) + Data("\n".utf8)
    }

    @Test(arguments: [0, 1, 2, 511, 512, 513, 1100])
    func streamedTextIsTheWholeEncoding(nodes: Int) throws {
        let report = try Self.report(nodes: nodes, plugins: nodes == 2)
        var streamed = Data()
        var pieces = 0
        try report.encodeJSON {
            streamed += $0
            pieces += 1
        }
        #expect(streamed == (try Self.wholeText(report)))
        // The nodes really come in chunks (one piece for a report without nodes).
        #expect(pieces == (nodes == 0 ? 1 : 3 + (nodes + 511) / 512))
        let decoded = try JSONDecoder().decode(RunReport.self, from: streamed)
        #expect(decoded.nodes.map(\.name) == report.nodes.map(\.name))
    }

    @Test func writeReplacesTheFileWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/result.json"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        let report = try Self.report(nodes: 1100)
        try report.writeJSON(to: path)
        #expect(FileManager.default.contents(atPath: path) == (try Self.wholeText(report)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["result.json"])
    }

    @Test func aPathThatIsADirectoryFailsAndLeavesNothingBehind() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID())").path
        try FileManager.default.createDirectory(atPath: "\(folder)/result.json", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: POSIXError.self) { try Self.report(nodes: 3).writeJSON(to: "\(folder)/result.json") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["result.json"])
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: "\(folder)/result.json", isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)
    }

    @Test func aMissingFolderFails() throws {
        let path = "/nonexistent-\(UUID())/result.json"
        #expect(throws: POSIXError.self) { try Self.report(nodes: 3).writeJSON(to: path) }
    }
}
