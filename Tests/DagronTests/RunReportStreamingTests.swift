import Dagron
import DagronSDK
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

    /// Nodes whose numbers and strings take every spelling `JSONEncoder`
    /// has: integral, negative, signed zero, exponents both ways, extremes;
    /// every ASCII control character, DEL, quotes, backslashes, slashes,
    /// line and paragraph separators, characters outside the BMP.
    @Test func handWrittenNodesMatchTheEncoderOnEveryKindOfValue() throws {
        let numbers: [Double] = [
            0, -0.0, 1, -1, 0.5, 1 / 3, 2.0 / 3, 1e-7, -1e-300, .leastNonzeroMagnitude, 1e15, 1e16, 1e300,
            -1.7976931348623157e308,
            123_456_789_012_345_680, 1_796_421_702.9299421, 0.003382422, 100, 1e21, 9_007_199_254_740_992,
            .greatestFiniteMagnitude,
        ]
        let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let texts = [
            "", controls, "\u{7F}", "a\"b\\c/d", "line\u{2028}para\u{2029}end", "😀 ✓ é", "\\\\\"\"", "tail\u{0}",
        ]
        let report = try Self.report(nodes: numbers.count)
        var varied = report
        for index in varied.nodes.indices {
            varied.nodes[index].durationSeconds = numbers[index]
            varied.nodes[index].startedAt = index % 3 == 0 ? nil : numbers[(index + 7) % numbers.count]
            varied.nodes[index].finishedAt = index % 4 == 0 ? nil : -numbers[(index + 3) % numbers.count]
            varied.nodes[index].attempts = [0, 1, Int.max, Int.min, -5][index % 5]
            varied.nodes[index].exitCode = [nil, 0, Int32.max, Int32.min, -1, 255][index % 6]
            varied.nodes[index].name = texts[index % texts.count] + "\(index)"
            varied.nodes[index].error = index % 2 == 0 ? texts[(index + 1) % texts.count] : nil
            varied.nodes[index].skipReason = index % 3 == 1 ? texts[(index + 2) % texts.count] : nil
            varied.nodes[index].executor = index % 4 == 1 ? nil : texts[(index + 3) % texts.count]
            varied.nodes[index].stderrLog = index % 5 == 2 ? nil : "/logs/\(texts[(index + 4) % texts.count])"
            varied.nodes[index].status = NodeStatus.allCases[index % NodeStatus.allCases.count]
        }
        var streamed = Data()
        try varied.encodeJSON { streamed += $0 }
        let whole = try Self.wholeText(varied)
        #expect(streamed == whole, "\(String(decoding: streamed, as: UTF8.self))")
    }

    /// The writer lists `Node`'s fields by hand: a field added to `Node`
    /// must be added there too.
    @Test func everyFieldOfANodeIsWritten() throws {
        var report = try Self.report(nodes: 1)
        report.nodes[0].startedAt = 2
        report.nodes[0].finishedAt = 3.5
        report.nodes[0].exitCode = 3
        report.nodes[0].error = "e"
        report.nodes[0].stderrTail = "t"
        report.nodes[0].skipReason = "s"
        report.nodes[0].stdoutLog = "o"
        report.nodes[0].stderrLog = "r"
        report.nodes[0].executor = "x"
        report.nodes[0].jobId = "j"
        // Every optional is set (a new one left nil would vanish from both texts).
        #expect(Mirror(reflecting: report.nodes[0]).children.allSatisfy { "\($0.value)" != "nil" })
        let fields = Set(Mirror(reflecting: report.nodes[0]).children.compactMap(\.label))
        var streamed = Data()
        try report.encodeJSON { streamed += $0 }
        #expect(streamed == (try Self.wholeText(report)))
        let document = try #require(try JSONSerialization.jsonObject(with: streamed) as? [String: Any])
        let node = try #require((document["nodes"] as? [[String: Any]])?.first)
        #expect(Set(node.keys) == fields)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func aNonFiniteTimeFailsAsTheEncoderDoes(value: Double) throws {
        var report = try Self.report(nodes: 3)
        report.nodes[1].finishedAt = value
        #expect(throws: EncodingError.self) { try Self.wholeText(report) }
        #expect(throws: EncodingError.self) { try report.encodeJSON { _ in } }
        report.nodes[1].finishedAt = nil
        report.nodes[2].durationSeconds = value
        #expect(throws: EncodingError.self) { try report.encodeJSON { _ in } }
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
