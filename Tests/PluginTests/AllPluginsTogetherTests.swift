import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

extension BundledPluginTests {
    /// All four bundled plugins, each dlopen'ed from its own .so with its own
    /// private copy of NIO / swift-log / swift-metrics, in one process and one run.
    @Suite("all together")
    struct AllPluginsTogetherTests {
        @Test("one run with logging, timing, prometheus-text and slack-webhook loaded side by side")
        func allFour() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let capture = HostLogCapture()
            defer { capture.uninstall() }
            let webhook = try await RecordingWebhookServer()
            let threadsBefore = eventLoopThreads()
            let logFile = folder.path("run.log")
            let timingJSON = folder.path("timing.json")
            let textfile = folder.path("dagron.prom")
            let manager = try await loadedManager([
                (.logging, ["format": "json", "file": logFile]),
                (.timing, ["output": folder.path("timing.txt"), "json": timingJSON]),
                (.prometheus, ["listen": "127.0.0.1:0", "textfile": textfile]),
                (.slack, ["webhook_url": webhook.url, "channel": "#all"]),
            ])
            #expect(Set(manager.plugins.map(\.name)) == ["logging", "timing", "prometheus-text", "slack-webhook"])
            #expect(BundledPlugin.allCases.allSatisfy { manager.isInitialized($0.pluginName) })
            let ours = await newThreads(named: "NIO-ELT", since: threadsBefore, expecting: 2)
            #expect(ours.count == 2, "prometheus and slack each own one event-loop thread: \(ours)")
            let address = try #require(capture.all.first { $0.label == "dagron.prometheus-text" }?.metadata["address"])

            let result = try await run(
                manager, nodes: ["fetch", "parse", "publish", "audit"],
                edges: [("fetch", "parse"), ("parse", "publish"), ("fetch", "audit")],
                tasks: [
                    "fetch": sleeping(0.05), "parse": sleeping(0.2), "publish": failing("upload rejected: 403"),
                    "audit": sleeping(0.01),
                ])
            #expect(result.failed == 1)

            let client = TestHTTPClient()
            let (status, metrics) = try await client.get("http://\(address)/metrics")
            try await client.shutdown()
            #expect(status == 200)
            #expect(metrics.contains(#"dagron_node_failures_total{node_name="publish"} 1"#))
            #expect(metrics.contains(#"dagron_executions_total{outcome="failure"} 1"#))

            try await tearDown(manager)
            #expect(await threadsEnded(ours), "a plugin's event-loop thread outlived teardown")
            await webhook.stop()

            // logging
            let lines = try String(contentsOfFile: logFile, encoding: .utf8).split(separator: "\n")
            let failure = try #require(lines.first { $0.contains(#""event":"on_error""#) })
            #expect(failure.contains(#""node":"publish""#) && failure.contains("upload rejected: 403"))
            // timing
            let timing = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: timingJSON)))
                    as? [String: Any])
            #expect(timing["critical_path"] as? [String] == ["fetch", "parse", "publish"])
            // prometheus textfile
            let text = try String(contentsOfFile: textfile, encoding: .utf8)
            #expect(text.contains(#"dagron_node_duration_seconds_count{node_name="parse",status="completed"} 1"#))
            // slack
            let posted = try #require(webhook.requests.first?.json)
            #expect(posted["channel"] as? String == "#all")
            #expect((posted["text"] as? String)?.contains("publish") == true)
        }
    }
}
