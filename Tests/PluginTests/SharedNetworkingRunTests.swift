import Foundation
import TestSupport
import Testing

extension BundledPluginTests {
    /// prometheus-text, slack-webhook and dashboard link one shared
    /// `libDagronNetworking.so` (one copy of NIO) that sits beside them: the
    /// built `dagron` must load it for each of them alone and for all three in
    /// one process, in-process and with every plugin isolated in a child, and
    /// each must still serve or post over loopback.
    @Suite("The networking plugins over their one shared library")
    struct SharedNetworkingRunTests {
        enum Mode: String, CaseIterable, Sendable { case inProcess, isolated }

        static let combinations: [[String]] = [
            ["prometheus-text"], ["slack-webhook"], ["dashboard"], ["prometheus-text", "slack-webhook", "dashboard"],
        ]

        @Test(
            "each networking plugin alone and all three together do their work", arguments: Mode.allCases, combinations)
        func run(mode: Mode, plugins: [String]) async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let webhook = try await RecordingWebhookServer()
            let http = TestHTTPClient()
            let dashboard = plugins.contains("dashboard")
            // A `plugins:` table enables the plugins it names: only the ones under test.
            let settings = [
                "prometheus-text": #"{listen: "127.0.0.1:0", textfile: "${OUT}/dagron.prom"}"#,
                "slack-webhook": #"{webhook_url: "${WEBHOOK_URL}"}"#,
                "dashboard": #"{port: 0, open_browser: false, url_file: "${OUT}/dashboard.url"}"#,
            ]
            var pipeline = "name: shared-networking\nmax_workers: 1\nfail_fast: false\nplugins:\n"
            pipeline += plugins.map { "  \($0): \(settings[$0] ?? "{}")\n" }.joined()
            pipeline += "nodes:\n  publish: {run: \"exit 3\"}\n"
            if dashboard {
                pipeline += "  approve: {gate: {message: \"Go?\", timeout: 60s}}\n"
                pipeline += "  ship: {after: approve, run: \"echo shipped > ${OUT}/shipped\"}\n"
            }
            try pipeline.write(toFile: folder.path("pipeline.yml"), atomically: true, encoding: .utf8)
            let arguments =
                ["run", "pipeline.yml", "--plugin-path", PluginLoader.directory.path]
                + (mode == .isolated ? ["--isolate-all"] : [])
            let environment = ["OUT": folder.url.path, "WEBHOOK_URL": webhook.url]
            let path = folder.url.path
            let running = Task {
                try await offPool { try DagronProcess(arguments, in: path, environment: environment).wait() }
            }

            if dashboard {
                let base = try await pollUntil("the dashboard writes its URL") {
                    (try? String(contentsOfFile: folder.path("dashboard.url"), encoding: .utf8))?
                        .trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
                }
                let url = try #require(URLComponents(string: base))
                let token = try #require(url.queryItems?.first { $0.name == "token" }?.value)
                let origin = "http://\(url.host ?? ""):\(url.port ?? 0)"
                _ = try await pollUntil("the dashboard shows the gate waiting") { () -> Bool? in
                    let state = try? await http.getJSON("\(origin)/api/state?token=\(token)")
                    return (state?["waitingGates"] as? [String])?.contains("approve") == true ? true : nil
                }
                let decision = try await http.post("\(origin)/api/gates/approve/approve?token=\(token)")
                #expect(decision.status == 200, "\(decision.body)")
            }
            let finished = try await running.value
            try await http.shutdown()
            await webhook.stop()

            let context = "\(mode) \(plugins): \(finished.stderr)"
            #expect(finished.signal == nil, "\(context)")
            #expect(finished.status == 1, "the failing node makes the run exit 1: \(context)")
            #expect(!finished.stderr.contains("libDagronNetworking"), "\(context)")
            if plugins.contains("prometheus-text") {
                let metrics = try String(contentsOfFile: folder.path("dagron.prom"), encoding: .utf8)
                #expect(metrics.contains(#"dagron_node_failures_total{node_name="publish"} 1"#), "\(context)")
            }
            if plugins.contains("slack-webhook") {
                #expect(
                    (webhook.requests.first?.json["text"] as? String)?.contains("publish") == true,
                    "the failure was posted over loopback: \(context)")
            } else {
                #expect(webhook.requests.isEmpty)
            }
            if dashboard {
                #expect(
                    FileManager.default.fileExists(atPath: folder.path("shipped")),
                    "the gate approved over HTTP let `ship` run: \(context)")
            }
        }
    }
}
