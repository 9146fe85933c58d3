import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

extension BundledPluginTests {
    @Suite("logging")
    struct LoggingPluginTests {
        /// a -> b, a -> c (fails), c -> d (skipped).
        private func runSample(_ manager: PluginManager) async throws -> ExecutionResult {
            try await run(
                manager, nodes: ["a", "b", "c", "d"], edges: [("a", "b"), ("a", "c"), ("c", "d")],
                tasks: ["a": sleeping(0.01), "b": sleeping(0.01), "c": failing("disk full on /data"), "d": sleeping(0)])
        }

        private func jsonLines(_ path: String) throws -> [[String: String]] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
                return try #require(object as? [String: String], "not a flat JSON object of strings: \(line)")
            }
        }

        @Test("the plugin loads from its .so and reports its name")
        func loadsThroughDlopen() throws {
            let plugin = try PluginLoader.make(.logging)
            #expect(plugin.name == "logging")
            #expect(!plugin.summary.isEmpty)
        }

        @Test("json lines to a file carry node, status, duration and error")
        func jsonLinesToFile() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let file = folder.path("dagron.log")
            let manager = try await loadedManager([(.logging, ["format": "json", "file": file, "level": "info"])])
            let result = try await runSample(manager)
            try await tearDown(manager)
            #expect(result.failed == 1)

            let lines = try jsonLines(file)
            let first = try #require(lines.first)
            #expect(first["message"]?.contains("own json handler") == true)
            #expect(first["handler"] == "own")
            for line in lines {
                #expect(line["timestamp"]?.hasSuffix("Z") == true)
                #expect(line["label"] == "dagron.logging")
            }
            let completed = try #require(lines.first { $0["event"] == "post_node" && $0["node"] == "b" })
            #expect(completed["status"] == "completed")
            #expect(completed["level"] == "info")
            #expect(Double(completed["duration"] ?? "") ?? 0 >= 0.005)
            let failed = try #require(lines.first { $0["event"] == "on_error" })
            #expect(failed["node"] == "c")
            #expect(failed["status"] == "failed")
            #expect(failed["level"] == "error")
            #expect(failed["error"] == "disk full on /data")
            let skipped = try #require(lines.first { $0["event"] == "node_skipped" })
            #expect(skipped["node"] == "d")
            #expect(skipped["level"] == "warning")
            let events = Set(lines.compactMap { $0["event"] })
            #expect(
                events.isSuperset(of: [
                    "pre_build", "post_build", "pre_execute", "pre_node", "post_node", "on_error", "node_skipped",
                    "post_execute",
                ]))
            let finished = try #require(lines.last)
            #expect(finished["event"] == "post_execute")
            #expect(finished["outcome"] == "failure")
            #expect(finished["failed"] == "1")
        }

        @Test("text format honours the level setting")
        func textFormatAndLevel() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let file = folder.path("dagron.txt")
            let manager = try await loadedManager([(.logging, ["format": "text", "file": file, "level": "warning"])])
            _ = try await runSample(manager)
            try await tearDown(manager)

            let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.count == 3, "node failed, node skipped, execution finished: \(lines)")
            #expect(
                lines.contains {
                    $0.contains(" error dagron.logging: node failed") && $0.contains("node=c")
                        && $0.contains(#"error="disk full on /data""#)
                })
            #expect(lines.contains { $0.contains(" warning dagron.logging: node skipped") && $0.contains("node=d") })
            #expect(!lines.contains { $0.contains("node started") || $0.contains("node completed") })
        }

        @Test(
            "errors with quotes, backslashes, control characters and non-ASCII text stay one escaped line, keys sorted")
        func escapingAndKeyOrder() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let message = "bad \"input\" at C:\\data\n\tline 2\u{1}; déjà vu → \u{2028}end"
            for format in ["json", "text"] {
                let file = folder.path("escaped.\(format)")
                let manager = try await loadedManager([(.logging, ["format": format, "file": file, "level": "error"])])
                _ = try await run(
                    manager, nodes: ["ünïcode node"], edges: [], tasks: ["ünïcode node": failing(message)])
                try await tearDown(manager)
                let lines = try String(contentsOfFile: file, encoding: .utf8).split(
                    separator: "\n", omittingEmptySubsequences: false)
                #expect(lines.last == "", "the file ends with a newline")
                let records = lines.dropLast()
                #expect(records.count == 2, "node failed, execution finished: \(records)")
                let failed = try #require(records.first { $0.contains("node failed") })
                if format == "json" {
                    let object = try #require(
                        try JSONSerialization.jsonObject(with: Data(failed.utf8)) as? [String: String])
                    #expect(object["error"] == message)
                    #expect(object["node"] == "ünïcode node")
                } else {
                    #expect(
                        failed.contains(#"error="bad \"input\" at C:\\data\n\tline 2\u0001; déjà vu → \#u{2028}end""#))
                    #expect(failed.contains(#"node="ünïcode node""#))
                    let keys = failed.split(separator: " ").filter { $0.contains("=") }
                        .compactMap { $0.split(separator: "=").first.map(String.init) }
                        .filter { ["duration", "error", "event", "node", "status"].contains($0) }
                    #expect(
                        keys == ["duration", "error", "event", "node", "status"], "metadata keys in order: \(failed)")
                }
            }
        }

        @Test(
            "attempts, exit code, skip reason and run totals are logged in key order, the same in every format and through the host"
        )
        func everyFieldInKeyOrder() async throws {
            struct ExitFailure: Error, ProcessReport, CustomStringConvertible {
                var exitCode: Int32? { 3 }
                var stderrTail: String? { nil }
                var description: String { "exited with status 3" }
            }
            let tasks: [String: NodeTask] = [
                "flaky": .sync(retries: 2) { throw ExitFailure() },
                "after": sleeping(0),
            ]
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            var failedLines: [String: String] = [:]
            for format in ["json", "text"] {
                let file = folder.path("fields.\(format)")
                let manager = try await loadedManager([
                    (.logging, ["format": format, "file": file, "level": "warning"])
                ])
                _ = try await run(manager, nodes: ["flaky", "after"], edges: [("flaky", "after")], tasks: tasks)
                try await tearDown(manager)
                let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
                #expect(lines.count == 3, "node failed, node skipped, execution finished: \(lines)")
                let failed = try #require(lines.first { $0.contains("node failed") })
                let skipped = try #require(lines.first { $0.contains("node skipped") })
                let finished = try #require(lines.first { $0.contains("execution finished") })
                failedLines[format] = failed
                let keys: (String) -> [String] = { line in
                    format == "json"
                        ? line.split(separator: ",").compactMap {
                            $0.split(separator: ":").first.map {
                                $0.trimmingCharacters(in: CharacterSet(charactersIn: "{\""))
                            }
                        }
                        .filter { !["timestamp", "level", "label", "message"].contains($0) }
                        : line.matches(of: /\ ([a-z_]+)=/).map { String($0.output.1) }
                }
                #expect(
                    keys(failed) == ["attempts", "duration", "error", "event", "exit_code", "node", "status"],
                    "\(failed)")
                #expect(keys(skipped) == ["duration", "event", "node", "reason", "status"], "\(skipped)")
                #expect(
                    keys(finished) == ["duration", "event", "failed", "outcome", "skipped", "succeeded"], "\(finished)")
            }
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(failedLines["json", default: ""].utf8)) as? [String: String]
            )
            #expect(json["attempts"] == "3")
            #expect(json["exit_code"] == "3")
            #expect(json["error"] == "exited with status 3")
            #expect(failedLines["text"]?.contains("attempts=3 ") == true)
            #expect(failedLines["text"]?.contains(" exit_code=3 ") == true)

            let capture = HostLogCapture()
            defer { capture.uninstall() }
            let manager = try await loadedManager([(.logging, ["level": "warning"])])
            _ = try await run(manager, nodes: ["flaky", "after"], edges: [("flaky", "after")], tasks: tasks)
            try await tearDown(manager)
            let records = capture.all.filter { $0.label == "dagron.logging" && $0.metadata["event"] != nil }
            let failed = try #require(records.first { $0.metadata["event"] == "on_error" })
            #expect(failed.metadata["attempts"] == "3")
            #expect(failed.metadata["exit_code"] == "3")
            #expect(failed.metadata["status"] == "failed")
            let skipped = try #require(records.first { $0.metadata["event"] == "node_skipped" })
            #expect(skipped.metadata["reason"]?.contains("upstream 'flaky'") == true)
            let finished = try #require(records.first { $0.metadata["event"] == "post_execute" })
            #expect(
                finished.metadata["failed"] == "1" && finished.metadata["skipped"] == "1"
                    && finished.metadata["outcome"] == "failure")
        }

        @Test("a record far longer than usual (every byte escaped) is written whole")
        func longEscapedRecord() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let message = String(repeating: "\u{1}\"", count: 20_000)
            let file = folder.path("long.json")
            let manager = try await loadedManager([(.logging, ["format": "json", "file": file, "level": "error"])])
            _ = try await run(manager, nodes: ["a"], edges: [], tasks: ["a": failing(message)])
            try await tearDown(manager)
            let failed = try #require(try jsonLines(file).first { $0["event"] == "on_error" })
            #expect(failed["error"] == message)
        }

        @Test("with a host log sink, records go to the host's handler")
        func forwardsToHostLog() async throws {
            let capture = HostLogCapture()
            defer { capture.uninstall() }
            let manager = try await loadedManager([(.logging, ["level": "debug"])])
            _ = try await runSample(manager)
            try await tearDown(manager)

            let records = capture.all.filter { $0.label == "dagron.logging" }
            let first = try #require(records.first)
            #expect(first.message.contains("host's log handler"))
            #expect(first.metadata["handler"] == "host")
            let failed = try #require(records.first { $0.metadata["event"] == "on_error" })
            #expect(failed.level == .error)
            #expect(failed.metadata["node"] == "c")
            #expect(failed.metadata["error"] == "disk full on /data")
            #expect(
                records.contains {
                    $0.metadata["event"] == "post_node" && $0.metadata["node"] == "b" && $0.metadata["duration"] != nil
                })
        }

        @Test("teardown closes the log file")
        func teardownClosesTheFile() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let before = openDescriptorCount()
            let manager = try await loadedManager([(.logging, ["file": folder.path("x.log")])])
            #expect(openDescriptorCount() == before + 1)
            try await tearDown(manager)
            #expect(openDescriptorCount() == before)
        }

        @Test("the log is complete when post_execute returns, in event order, and teardown stops the writer thread")
        func writerThreadLifecycle() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let file = folder.path("order.jsonl")
            let before = threads(named: "dagron-log")
            let manager = try await loadedManager([(.logging, ["format": "json", "file": file])])
            let writer = await newThreads(named: "dagron-log", since: before, expecting: 1)
            #expect(writer.count == 1, "the plugin logs from one writer thread of its own: \(writer)")

            // A 300-node chain: read the file right after the run, before teardown.
            let names = (0..<300).map { "n\($0)" }
            let result = try await run(
                manager, nodes: names, edges: zip(names, names.dropFirst()).map { ($0, $1) },
                tasks: Dictionary(uniqueKeysWithValues: names.map { ($0, NodeTask.sync { nil }) }))
            #expect(result.succeeded == 300)
            let lines = try jsonLines(file)
            #expect(lines.last?["event"] == "post_execute")
            let nodeEvents = lines.filter { $0["event"] == "pre_node" || $0["event"] == "post_node" }
            #expect(nodeEvents.count == 600)
            // pre_node n0, post_node n0, pre_node n1, ...: a chain runs in order.
            let expected = names.flatMap { [("pre_node", $0), ("post_node", $0)] }
            #expect(nodeEvents.map { $0["event"]! } == expected.map(\.0))
            #expect(nodeEvents.map { $0["node"]! } == expected.map(\.1))
            // Timestamps are the events' own times, so they never go backwards.
            let stamps = lines.compactMap { $0["timestamp"] }
            #expect(stamps == stamps.sorted())

            try await tearDown(manager)
            #expect(await threadsEnded(writer), "the writer thread outlived teardown")
        }

        @Test(
            "bad settings fail with a message naming the key",
            arguments: [
                (["level": "loud"], "'level'"),
                (["format": "xml"], "'format'"),
                (["fil": "/tmp/x"], "'fil'"),
                (["file": ""], "'file'"),
                (["file": "/nonexistent-dagron-folder/x.log"], "setting 'file'"),
            ])
        func badSettings(settings: [String: String], mention: String) async throws {
            let error = try #require(try await initializationError(.logging, settings))
            #expect(String(describing: error).contains(mention))
            #expect(String(describing: error).contains("logging"))
        }
    }
}
