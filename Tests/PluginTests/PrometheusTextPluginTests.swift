import Dagron
import DagronHTTPDate
@_spi(DagronHost) import DagronSDK
import Foundation
import NIOHTTP1
import Testing

extension BundledPluginTests {
    @Suite("prometheus-text")
    struct PrometheusTextPluginTests {
        static let promtool = "/usr/bin/promtool"

        /// The `host:port` the plugin announced through the host's log sink.
        private func announcedAddress(_ capture: HostLogCapture) throws -> String {
            let record = try #require(
                capture.all.first { $0.label == "dagron.prometheus-text" && $0.metadata["address"] != nil })
            #expect(record.message.contains("http://\(record.metadata["address"]!)/metrics"))
            return record.metadata["address"]!
        }

        @Test("HTTP /metrics and the textfile carry every metric, and promtool accepts both")
        func metricsAndPromtool() async throws {
            // Required before anything starts: a missing promtool failing later
            // left the HTTP client unshut, whose deinit traps and ends the whole test run.
            try #require(
                FileManager.default.isExecutableFile(atPath: Self.promtool),
                "install the Debian package 'prometheus' (scripts/test.sh does)")
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let textfile = folder.path("dagron.prom")
            let capture = HostLogCapture()
            defer { capture.uninstall() }
            let manager = try await loadedManager([(.prometheus, ["listen": "127.0.0.1:0", "textfile": textfile])])
            let address = try announcedAddress(capture)
            #expect(!address.hasSuffix(":0"))
            let client = TestHTTPClient()

            _ = try await run(
                manager, nodes: ["extract", "transform", "load", "report"],
                edges: [("extract", "transform"), ("transform", "load"), ("extract", "report")],
                tasks: [
                    "extract": sleeping(0.01), "transform": failing("bad row 7"), "load": sleeping(0),
                    "report": sleeping(0.01),
                ])
            _ = try await run(manager, nodes: ["solo"], edges: [], tasks: ["solo": sleeping(0)])

            let before = Int64(time(nil))
            let (status, headers, body) = try await client.getWithHeaders("http://\(address)/metrics")
            let after = Int64(time(nil))
            #expect(status == 200)
            // The date of the response, as Hummingbird's Application would send it.
            let date = try #require(headers.first(name: "Date"))
            #expect((before...after).map { HTTPDateHeader.text(secondsSince1970: $0) }.contains(date), "Date: \(date)")
            for expected in [
                #"dagron_node_duration_seconds_bucket{node_name="extract",status="completed",le="+Inf"} 1"#,
                #"dagron_node_duration_seconds_count{node_name="transform",status="failed"} 1"#,
                #"dagron_node_failures_total{node_name="transform"} 1"#,
                #"dagron_executions_total{outcome="failure"} 1"#,
                #"dagron_executions_total{outcome="success"} 1"#,
                "dagron_execution_duration_seconds_count 2",
                "dagron_nodes_running 0",
                "# TYPE dagron_node_duration_seconds histogram",
                "# TYPE dagron_nodes_running gauge",
                "# HELP dagron_node_failures_total",
            ] {
                #expect(body.contains(expected), "missing \(expected) in:\n\(body)")
            }
            #expect(!body.contains(#"node_name="load""#), "a skipped node never ran")
            let checkHTTP = try runTool(Self.promtool, ["check", "metrics"], input: Data(body.utf8))
            #expect(checkHTTP.status == 0, "promtool: \(checkHTTP.output)")

            let file = try String(contentsOfFile: textfile, encoding: .utf8)
            #expect(file.contains(#"dagron_executions_total{outcome="success"} 1"#))
            let checkFile = try runTool(Self.promtool, ["check", "metrics"], input: Data(file.utf8))
            #expect(checkFile.status == 0, "promtool: \(checkFile.output)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter {
                $0.contains(".tmp")
            }
            #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")

            try await client.shutdown()
            try await tearDown(manager)
        }

        @Test(
            "a DAG run again, and another DAG with the same node names in between or at once, count every node once per run"
        )
        func repeatedAndOverlappingRuns() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let textfile = folder.path("dagron.prom")
            let manager = try await loadedManager([(.prometheus, ["listen": "off", "textfile": textfile])])
            func dag(_ nodes: [String], _ edges: [(String, String)]) throws -> DAG {
                let builder = DAGBuilder(hooks: manager.hooks)
                for node in nodes { builder.addNode(node) }
                for (from, to) in edges { builder.addEdge(from, to) }
                return try builder.build()
            }
            // Same names, different positions: "a" is index 0 in one DAG and 1 in the other.
            let first = try dag(["a", "b"], [("a", "b")])
            let second = try dag(["c", "a"], [("c", "a")])
            let tasks = ["a": sleeping(0), "b": sleeping(0), "c": sleeping(0)]
            func execute(_ dag: DAG) async -> ExecutionResult {
                await DAGExecutor(dag, hooks: manager.hooks, maxWorkers: 2).execute(tasks)
            }
            _ = await execute(first)
            _ = await execute(first)
            _ = await execute(second)
            _ = await execute(first)
            async let one = execute(first)
            async let two = execute(second)
            let overlapping = await (one, two)
            #expect(overlapping.0.isSuccess && overlapping.1.isSuccess)
            try await tearDown(manager)

            let file = try String(contentsOfFile: textfile, encoding: .utf8)
            for (node, runs) in [("a", 6), ("b", 4), ("c", 2)] {
                let line = #"dagron_node_duration_seconds_count{node_name="\#(node)",status="completed"} \#(runs)"#
                #expect(file.contains(line), "missing \(line) in:\n\(file)")
            }
            #expect(file.contains("dagron_execution_duration_seconds_count 6"))
        }

        @Test("executions finishing at once on one registry all write the textfile, none fails")
        func concurrentTextfileWrites() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let textfile = folder.path("dagron.prom")
            let manager = try await loadedManager([(.prometheus, ["listen": "off", "textfile": textfile])])
            let builder = DAGBuilder(hooks: manager.hooks)
            builder.addNode("only")
            let dag = try builder.build()
            let executions = 16
            let printed = try await capturingStandardError {
                for _ in 0..<4 {
                    await withTaskGroup(of: Void.self) { group in
                        for _ in 0..<executions {
                            group.addTask {
                                _ = await DAGExecutor(dag, hooks: manager.hooks, maxWorkers: 1).execute([
                                    "only": sleeping(0)
                                ])
                            }
                        }
                    }
                }
            }
            #expect(!printed.contains("warning"), "a textfile write failed:\n\(printed)")
            let file = try String(contentsOfFile: textfile, encoding: .utf8)
            #expect(
                file.contains("dagron_execution_duration_seconds_count \(4 * executions)"),
                "the last write is not the newest snapshot:\n\(file)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter {
                $0.contains(".tmp")
            }
            #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
            try await tearDown(manager)
        }

        @Test("a real Prometheus server scrapes the endpoint during a run and returns the series")
        func realPrometheusScrapes() async throws {
            #expect(
                FileManager.default.isExecutableFile(atPath: PrometheusServer.executable),
                "install the Debian package 'prometheus' (scripts/test.sh does)")
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let capture = HostLogCapture()
            defer { capture.uninstall() }
            let manager = try await loadedManager([(.prometheus, ["listen": "127.0.0.1:0"])])
            let address = try announcedAddress(capture)
            let client = TestHTTPClient()
            let prometheus = try await PrometheusServer(scraping: address, folder: folder, client: client)
            defer { prometheus.stop() }

            // The middle node runs until Prometheus has scraped it running.
            let result = try await run(
                manager, nodes: ["prepare", "wait_for_scrape", "finish"],
                edges: [("prepare", "wait_for_scrape"), ("wait_for_scrape", "finish")],
                tasks: [
                    "prepare": sleeping(0),
                    "wait_for_scrape": .async {
                        let seen = try await waitUntil(timeout: .seconds(60), every: .milliseconds(250)) {
                            try await prometheus.query("dagron_nodes_running", client: client).contains { $0.1 == 1 }
                        }
                        guard seen else { throw NodeBoom(message: "Prometheus never saw dagron_nodes_running == 1") }
                        return nil
                    },
                    "finish": sleeping(0),
                ])
            #expect(result.isSuccess, "\(result.nodeResults.values.compactMap(\.errorMessage))")

            let scrapedAfter = try await waitUntil(timeout: .seconds(30), every: .milliseconds(250)) {
                try await prometheus.query(#"dagron_executions_total{outcome="success"}"#, client: client).contains {
                    $0.1 == 1
                }
            }
            #expect(scrapedAfter)
            let durations = try await prometheus.query("dagron_node_duration_seconds_count", client: client)
            #expect(Set(durations.compactMap { $0.0["node_name"] }) == ["prepare", "wait_for_scrape", "finish"])
            #expect(durations.allSatisfy { $0.0["status"] == "completed" && $0.0["job"] == "dagron" })
            let up = try await prometheus.query(#"up{job="dagron"}"#, client: client)
            #expect(up.first?.1 == 1)

            prometheus.stop()
            try await client.shutdown()
            try await tearDown(manager)
        }

        @Test("teardown stops the server: its port closes and its event-loop thread ends")
        func teardownReleasesEverything() async throws {
            let threadsBefore = eventLoopThreads()
            let capture = HostLogCapture()
            defer { capture.uninstall() }
            let manager = try await loadedManager([(.prometheus, ["listen": "127.0.0.1:0"])])
            let address = try announcedAddress(capture)
            let port = try #require(address.split(separator: ":").last.flatMap { Int($0) })
            let ours = await newThreads(named: "NIO-ELT", since: threadsBefore, expecting: 1)
            #expect(ours.count == 1, "the server runs on one event-loop thread of its own: \(ours)")
            #expect(acceptsConnections(port: port))
            try await tearDown(manager)
            #expect(await threadsEnded(ours), "the server's event-loop thread outlived teardown")
            #expect(!acceptsConnections(port: port), "port \(port) still accepts connections after teardown")
        }

        @Test("a port in use fails initialize with a message naming 'listen'")
        func portInUse() async throws {
            let occupied = try ListeningSocket()
            defer { occupied.close() }
            let error = try #require(
                try await initializationError(.prometheus, ["listen": "127.0.0.1:\(occupied.port)"]))
            #expect(String(describing: error).contains("setting 'listen'"))
            #expect(String(describing: error).contains("\(occupied.port)"))
            #expect(
                String(describing: error).hasSuffix("(setting 'listen'): Address already in use (errno 98)"),
                "\(error)")
        }

        @Test(
            "bad settings fail with a message naming the key",
            arguments: [
                (["listen": "localhost"], "'listen'"),
                (["listen": "127.0.0.1:99999"], "'listen'"),
                (["listen": "off", "textfile": "/nonexistent-dagron-folder/x.prom"], "setting 'textfile'"),
                (["port": "9464"], "'port'"),
            ])
        func badSettings(settings: [String: String], mention: String) async throws {
            let error = try #require(try await initializationError(.prometheus, settings))
            #expect(String(describing: error).contains(mention))
        }
    }
}
