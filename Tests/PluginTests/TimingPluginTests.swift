import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

extension BundledPluginTests {
    @Suite("timing")
    struct TimingPluginTests {
        @Test("table sorted by duration with shares and the critical path; JSON file too")
        func tableAndJSON() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let table = folder.path("timing.txt")
            let json = folder.path("timing.json")
            let manager = try await loadedManager([(.timing, ["output": table, "json": json])])
            // a -> slow -> d and a -> quick -> d: the critical path goes through `slow`.
            let result = try await run(
                manager, nodes: ["a", "slow", "quick", "d"],
                edges: [("a", "slow"), ("a", "quick"), ("slow", "d"), ("quick", "d")],
                tasks: ["a": sleeping(0.02), "slow": sleeping(0.6), "quick": sleeping(0.02), "d": sleeping(0.02)])
            try await tearDown(manager)
            #expect(result.isSuccess)

            let text = try String(contentsOfFile: table, encoding: .utf8)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("timing: 4 nodes") == true)
            #expect(lines[1].contains("NODE") && lines[1].contains("DURATION") && lines[1].contains("SHARE"))
            let rows = lines[2..<6]
            #expect(rows.first?.hasPrefix("slow ") == true, "slowest first: \(text)")
            #expect(Set(rows.map { String($0.split(separator: " ")[0]) }) == ["a", "slow", "quick", "d"])
            let shares = rows.compactMap { row in Double(row.split(separator: " ").last!.dropLast()) }
            #expect(shares.count == 4)
            #expect(abs(shares.reduce(0, +) - 100) < 0.5)
            #expect(shares[0] > 50)
            #expect(lines.last?.contains("critical path") == true)
            #expect(lines.last?.hasSuffix("a -> slow -> d") == true)

            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
            #expect(document["critical_path"] as? [String] == ["a", "slow", "d"])
            let nodes = try #require(document["nodes"] as? [[String: Any]])
            #expect(
                nodes.map { $0["node"] as? String }
                    == nodes.sorted { ($0["duration_seconds"] as! Double) > ($1["duration_seconds"] as! Double) }.map {
                        $0["node"] as? String
                    })
            #expect((nodes.first?["duration_seconds"] as? Double ?? 0) >= 0.55)
            // The executor's own measurement: the same figure the node's result, the log and the metrics carry.
            for node in nodes {
                let name = try #require(node["node"] as? String)
                #expect(node["duration_seconds"] as? Double == result.nodeResults[name]?.durationSeconds, "\(name)")
            }
            #expect((document["total_node_seconds"] as? Double ?? 0) >= 0.6)
        }

        @Test("two executions overlapping on one registry are timed apart")
        func overlappingRuns() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let table = folder.path("timing.txt")
            let manager = try await loadedManager([(.timing, ["output": table])])
            async let first = run(
                manager, nodes: ["x1", "x2"], edges: [("x1", "x2")], tasks: ["x1": sleeping(0.2), "x2": sleeping(0.05)])
            async let second = run(
                manager, nodes: ["y1", "y2", "y3"], edges: [("y1", "y2"), ("y2", "y3")],
                tasks: ["y1": sleeping(0.05), "y2": sleeping(0.05), "y3": sleeping(0.05)])
            let results = try await (first, second)
            try await tearDown(manager)
            #expect(results.0.isSuccess && results.1.isSuccess)
            let text = try String(contentsOfFile: table, encoding: .utf8)
            let headers = text.split(separator: "\n").filter { $0.hasPrefix("timing: ") }
            #expect(headers.count == 2, "one table per execution: \(text)")
            #expect(
                headers.contains { $0.hasPrefix("timing: 2 nodes") }
                    && headers.contains { $0.hasPrefix("timing: 3 nodes") }, "\(text)")
            #expect(
                text.contains("critical path") && text.contains("x1 -> x2") && text.contains("y1 -> y2 -> y3"),
                "\(text)")
        }

        @Test("failed nodes are timed; skipped nodes, which never ran, are not")
        func failuresAndSkips() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let json = folder.path("t.json")
            let manager = try await loadedManager([(.timing, ["output": folder.path("t.txt"), "json": json])])
            _ = try await run(
                manager, nodes: ["a", "b", "c"], edges: [("a", "b"), ("b", "c")],
                tasks: ["a": sleeping(0.01), "b": failing("nope"), "c": sleeping(0)])
            try await tearDown(manager)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
            let nodes = try #require(document["nodes"] as? [[String: Any]])
            #expect(Set(nodes.compactMap { $0["node"] as? String }) == ["a", "b"])
            #expect(nodes.first { $0["node"] as? String == "b" }?["status"] as? String == "failed")
            #expect(document["critical_path"] as? [String] == ["a", "b"])
        }

        @Test("a long critical path is abbreviated in the table and complete in the JSON file")
        func longCriticalPath() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let table = folder.path("t.txt")
            let json = folder.path("t.json")
            let manager = try await loadedManager([(.timing, ["output": table, "json": json, "top": "3"])])
            let names = (0..<40).map { "step\($0)" }
            _ = try await run(
                manager, nodes: names, edges: zip(names, names.dropFirst()).map { ($0, $1) },
                tasks: Dictionary(uniqueKeysWithValues: names.map { ($0, NodeTask.sync { nil }) }))
            try await tearDown(manager)

            let text = try String(contentsOfFile: table, encoding: .utf8)
            let last = try #require(text.split(separator: "\n").last.map(String.init))
            #expect(last.contains("40 nodes"))
            #expect(
                last.hasSuffix(
                    "step0 -> step1 -> step2 -> step3 -> step4 -> ... (30 more) ... -> step35 -> step36 -> step37 -> step38 -> step39"
                ))
            #expect(
                text.split(separator: "\n").count == 2 + 3 + 2, "header, columns, 3 rows, 'not shown', path: \(text)")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
            #expect(document["critical_path"] as? [String] == names)
            #expect((document["nodes"] as? [Any])?.count == 40)
        }

        @Test("top limits the rows shown")
        func topLimitsRows() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let table = folder.path("t.txt")
            let manager = try await loadedManager([(.timing, ["output": table, "top": "2"])])
            _ = try await run(
                manager, nodes: ["a", "b", "c", "d"], edges: [],
                tasks: ["a": sleeping(0.3), "b": sleeping(0.2), "c": sleeping(0), "d": sleeping(0)])
            try await tearDown(manager)
            let text = try String(contentsOfFile: table, encoding: .utf8)
            #expect(text.contains("2 faster node(s) not shown"))
            #expect(text.split(separator: "\n").filter { $0.hasPrefix("c ") || $0.hasPrefix("d ") }.isEmpty)
        }

        @Test(
            "bad settings fail with a message naming the key",
            arguments: [
                (["top": "many"], "'top'"),
                (["top": "-1"], "'top'"),
                (["outptu": "x"], "'outptu'"),
                (["output": "/nonexistent-dagron-folder/t.txt"], "setting 'output'"),
                (["json": "/nonexistent-dagron-folder/t.json"], "setting 'json'"),
            ])
        func badSettings(settings: [String: String], mention: String) async throws {
            let error = try #require(try await initializationError(.timing, settings))
            #expect(String(describing: error).contains(mention))
        }
    }
}
