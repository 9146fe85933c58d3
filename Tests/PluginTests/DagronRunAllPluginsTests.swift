import Foundation
import Testing

extension BundledPluginTests {
    /// The real thing: the built `dagron` binary loads all four bundled
    /// plugins from the plugin path and runs one pipeline with them in one
    /// process, each plugin with its private copy of NIO, swift-log and metrics.
    @Suite("dagron run with every bundled plugin")
    struct DagronRunAllPluginsTests {
        private struct Finished {
            var status: Int32
            var stdout: String
            var stderr: String
        }

        private static var dagronPath: String { PluginLoader.directory.appendingPathComponent("dagron").path }

        /// Runs the built `dagron` with `arguments`; its output goes through files
        /// (no pipe can fill up), and it is waited for on a thread of its own.
        private func dagron(_ arguments: [String], in folder: TemporaryFolder, environment: [String: String] = [:]) async throws -> Finished {
            try #require(FileManager.default.isExecutableFile(atPath: Self.dagronPath), "build first: swift build")
            return try await offPool {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: Self.dagronPath)
                process.arguments = arguments
                process.currentDirectoryURL = folder.url
                var env = ProcessInfo.processInfo.environment
                env.removeValue(forKey: "DAGRON_PLUGIN_PATH")
                env.merge(environment) { $1 }
                process.environment = env
                let out = folder.path("dagron-\(UUID().uuidString).out")
                let err = folder.path("dagron-\(UUID().uuidString).err")
                _ = FileManager.default.createFile(atPath: out, contents: nil)
                _ = FileManager.default.createFile(atPath: err, contents: nil)
                process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
                process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
                process.standardInput = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                return Finished(
                    status: process.terminationStatus,
                    stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                    stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
            }
        }

        @Test("`dagron plugins list` shows every bundled plugin as loaded right after the build")
        func pluginsList() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let listed = try await dagron(["plugins", "list", "--json", "--no-cache"], in: folder)
            #expect(listed.status == 0, "\(listed.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
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
                ["plugins", "info", "slack-webhook", "--set", "webhook_url=\(url)", "--set", "flush_timeout_seconds=1"], in: folder)
            #expect(info.status == 0, "\(info.stderr)")
            #expect(info.stdout.contains("name:     slack-webhook"))
            #expect(info.stdout.contains("hooks:    post_execute"), "\(info.stdout)")
            #expect(!(info.stdout + info.stderr).contains(RecordingWebhookServer.secretToken))
        }

        @Test("one pipeline, all four plugins, one process")
        func runPipeline() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let webhook = try await RecordingWebhookServer()
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
            """.write(toFile: folder.path("pipeline.yml"), atomically: true, encoding: .utf8)

            let finished = try await dagron(
                ["run", "pipeline.yml", "--plugin-path", PluginLoader.directory.path], in: folder,
                environment: ["OUT": folder.url.path, "WEBHOOK_URL": webhook.url])
            await webhook.stop()

            #expect(finished.status != 0, "a node failed")
            #expect(finished.stderr.contains("prometheus-text: serving metrics on http://127.0.0.1:"), "\(finished.stderr)")
            #expect(!finished.stderr.contains("serving metrics on http://127.0.0.1:0/"))
            #expect(!(finished.stdout + finished.stderr).contains(RecordingWebhookServer.secretToken), "the webhook URL leaked")

            // logging: JSON lines with the failure
            let log = try String(contentsOfFile: folder.path("run.log"), encoding: .utf8)
            let failure = try #require(log.split(separator: "\n").first { $0.contains(#""event":"on_error""#) })
            #expect(failure.contains(#""node":"publish""#))
            // timing: the critical path through the slow node
            let timing = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.path("timing.json")))) as? [String: Any])
            #expect(timing["critical_path"] as? [String] == ["fetch", "parse", "publish"])
            #expect(try String(contentsOfFile: folder.path("timing.txt"), encoding: .utf8).contains("critical path"))
            // prometheus-text: the textfile written at the end of the run
            let metrics = try String(contentsOfFile: folder.path("dagron.prom"), encoding: .utf8)
            #expect(metrics.contains(#"dagron_node_failures_total{node_name="publish"} 1"#))
            #expect(metrics.contains(#"dagron_executions_total{outcome="failure"} 1"#))
            // slack-webhook: the failure was posted
            let posted = try #require(webhook.requests.first?.json)
            #expect(posted["channel"] as? String == "#e2e")
            #expect((posted["text"] as? String)?.contains("publish") == true)
        }
    }
}
