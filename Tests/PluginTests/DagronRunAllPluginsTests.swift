import Foundation
import TestSupport
import Testing

extension BundledPluginTests {
    /// The real thing: the built `dagron` binary loads all five bundled
    /// plugins (logging, timing, prometheus-text, slack-webhook, dashboard) from
    /// the plugin path and runs one pipeline with them in one process, each
    /// plugin with its private copy of NIO, swift-log and metrics.
    @Suite("dagron run with every bundled plugin")
    struct DagronRunAllPluginsTests {
        /// Runs the built `dagron` with `arguments` in `folder` (TestSupport's
        /// launcher: output through files), waiting on a thread of its own.
        private func dagron(_ arguments: [String], in folder: TemporaryFolder, environment: [String: String] = [:])
            async throws -> Finished
        {
            let path = folder.url.path
            return try await offPool { try DagronProcess(arguments, in: path, environment: environment).wait() }
        }

        @Test("`dagron plugins list` shows every bundled plugin as loaded right after the build")
        func pluginsList() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let listed = try await dagron(["plugins", "list", "--json", "--no-cache"], in: folder)
            #expect(listed.status == 0, "\(listed.stderr)")
            let rows = try #require(
                try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
            for plugin in BundledPlugin.allCases {
                let row = rows.first { $0["name"] as? String == plugin.pluginName }
                #expect(row?["status"] as? String == "loaded", "\(plugin.pluginName): \(row ?? [:])")
            }
        }

        @Test("`dagron plugins info slack-webhook` with a webhook URL never shows it")
        func infoHidesTheWebhookURL() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let url = "https://hooks.example.com/services/T000/B000/\(RecordingWebhookServer.secretToken)"
            let info = try await dagron(
                [
                    "plugins", "info", "slack-webhook", "--set", "webhook_url=\(url)", "--set",
                    "flush_timeout_seconds=1",
                ], in: folder)
            #expect(info.status == 0, "\(info.stderr)")
            #expect(info.stdout.contains("name:     slack-webhook"))
            #expect(info.stdout.contains("hooks:    post_execute"), "\(info.stdout)")
            #expect(!(info.stdout + info.stderr).contains(RecordingWebhookServer.secretToken))
        }

        @Test("`dagron plugins info` never shows a webhook URL given as a manifest default")
        func infoHidesManifestSecrets() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let plugins = folder.path("plugins")
            try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: false)
            let library = PluginLoader.directory.appendingPathComponent("libDagronSlackWebhook.so").path
            try """
            slack-webhook = "\(library)"
            slack-webhook.webhook_url = "https://hooks.example.com/services/T000/B000/\(RecordingWebhookServer.secretToken)"
            slack-webhook.channel = "#builds"
            slack-webhook.api_token = "\(RecordingWebhookServer.secretToken)-2"
            """.write(toFile: plugins + "/dagron.plugins", atomically: true, encoding: .utf8)

            let info = try await dagron(["plugins", "info", "slack-webhook", "--plugin-path", plugins], in: folder)
            #expect(
                !(info.stdout + info.stderr).contains(RecordingWebhookServer.secretToken),
                "\(info.stdout)\n\(info.stderr)")
            #expect(info.stdout.contains("default:  webhook_url = <secret, not shown>"), "\(info.stdout)")
            #expect(
                info.stdout.contains("default:  api_token = <secret, not shown>"),
                "names that look secret are hidden too: \(info.stdout)")
            #expect(info.stdout.contains("default:  channel = #builds"), "other settings are shown: \(info.stdout)")
            #expect(info.stdout.contains("secrets:  webhook_url"), "\(info.stdout)")
        }

        @Test(
            "one pipeline, all five plugins, one process: the dashboard approves a gate while the others record the run"
        )
        func runPipeline() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let webhook = try await RecordingWebhookServer()
            let http = TestHTTPClient()
            try """
            name: all-plugins
            max_workers: 2
            fail_fast: false
            plugins:
              logging:
                format: json
                file: ${OUT}/run.log
              timing:
                output: ${OUT}/timing.txt
                json: ${OUT}/timing.json
              prometheus-text:
                listen: 127.0.0.1:0
                textfile: ${OUT}/dagron.prom
              slack-webhook:
                webhook_url: ${WEBHOOK_URL}
                channel: "#e2e"
              dashboard:
                port: 0
                open_browser: false
                url_file: ${OUT}/dashboard.url
            nodes:
              fetch:
                run: "true"
              parse:
                after: fetch
                run: sleep 0.3
              publish:
                after: parse
                run: echo upload rejected >&2; exit 3
              audit:
                after: fetch
                run: "true"
              approve:
                after: audit
                gate:
                  message: Ship it?
                  timeout: 60s
              ship:
                after: approve
                run: echo shipped > ${OUT}/shipped
            """.write(toFile: folder.path("pipeline.yml"), atomically: true, encoding: .utf8)

            async let running = dagron(
                ["run", "pipeline.yml", "--plugin-path", PluginLoader.directory.path], in: folder,
                environment: ["OUT": folder.url.path, "WEBHOOK_URL": webhook.url])

            // dashboard: wait for its URL, watch the gate wait, approve it over HTTP.
            let base = try await pollUntil("the dashboard writes its URL") {
                (try? String(contentsOfFile: folder.path("dashboard.url"), encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
            }
            let url = try #require(URLComponents(string: base))
            let token = try #require(url.queryItems?.first { $0.name == "token" }?.value)
            let origin = "http://\(url.host ?? ""):\(url.port ?? 0)"
            let waiting = try await pollUntil("the dashboard shows the gate waiting") { () -> [String: Any]? in
                let state = try? await http.getJSON("\(origin)/api/state?token=\(token)")
                return (state?["waitingGates"] as? [String])?.contains("approve") == true ? state : nil
            }
            let nodes = try #require(waiting["nodes"] as? [[String: Any]])
            #expect(nodes.first { $0["name"] as? String == "fetch" }?["status"] as? String == "completed")
            #expect(nodes.first { $0["name"] as? String == "ship" }?["status"] as? String == "pending")
            let decision = try await http.post("\(origin)/api/gates/approve/approve?token=\(token)")
            #expect(decision.status == 200, "\(decision.body)")
            let finished = try await running
            try await http.shutdown()
            await webhook.stop()
            #expect(
                FileManager.default.fileExists(atPath: folder.path("shipped")),
                "the approved gate let `ship` run: \(finished.stderr)")

            #expect(finished.status != 0, "a node failed")
            #expect(
                finished.stderr.contains("prometheus-text: serving metrics on http://127.0.0.1:"), "\(finished.stderr)")
            #expect(!finished.stderr.contains("serving metrics on http://127.0.0.1:0/"))
            #expect(
                !(finished.stdout + finished.stderr).contains(RecordingWebhookServer.secretToken),
                "the webhook URL leaked")

            // logging: JSON lines with the failure
            let log = try String(contentsOfFile: folder.path("run.log"), encoding: .utf8)
            let failure = try #require(log.split(separator: "\n").first { $0.contains(#""event":"on_error""#) })
            #expect(failure.contains(#""node":"publish""#))
            // timing: the critical path through the slow node
            let timing = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: folder.path("timing.json")))) as? [String: Any])
            // The heavier of the two branches (the gate's wait counts as its duration).
            let durations = Dictionary(
                uniqueKeysWithValues: try #require(timing["nodes"] as? [[String: Any]]).map {
                    ($0["node"] as? String ?? "", $0["duration_seconds"] as? Double ?? 0)
                })
            let branches = [["fetch", "parse", "publish"], ["fetch", "audit", "approve", "ship"]]
            let heaviest = branches.max {
                $0.reduce(0) { $0 + (durations[$1] ?? 0) } < $1.reduce(0) { $0 + (durations[$1] ?? 0) }
            }
            #expect(timing["critical_path"] as? [String] == heaviest, "\(durations)")
            #expect(try String(contentsOfFile: folder.path("timing.txt"), encoding: .utf8).contains("critical path"))
            #expect(log.contains(#""event":"gate_resolved""#) && log.contains(#""outcome":"approved""#))
            // prometheus-text: the textfile written at the end of the run
            let metrics = try String(contentsOfFile: folder.path("dagron.prom"), encoding: .utf8)
            #expect(metrics.contains(#"dagron_node_failures_total{node_name="publish"} 1"#))
            #expect(metrics.contains(#"dagron_executions_total{outcome="failure"} 1"#))
            #expect(metrics.contains(#"dagron_node_duration_seconds_count{node_name="ship",status="completed"} 1"#))
            // slack-webhook: the failure was posted
            let posted = try #require(webhook.requests.first?.json)
            #expect(posted["channel"] as? String == "#e2e")
            #expect((posted["text"] as? String)?.contains("publish") == true)
        }
    }
}
