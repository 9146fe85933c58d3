import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import HTTPTypes
import Testing

extension BundledPluginTests {
    @Suite("slack-webhook")
    struct SlackWebhookPluginTests {
        /// a -> b (fails with `message`), c succeeds.
        private func runFailing(_ manager: PluginManager, message: String = "exit status 3: connection reset")
            async throws -> ExecutionResult
        {
            try await run(
                manager, nodes: ["a", "b", "c"], edges: [("a", "b")],
                tasks: ["a": sleeping(0), "b": failing(message), "c": sleeping(0)])
        }

        private func runSucceeding(_ manager: PluginManager) async throws -> ExecutionResult {
            try await run(
                manager, nodes: ["a", "b"], edges: [("a", "b")], tasks: ["a": sleeping(0), "b": sleeping(0)])
        }

        @Test("a failed run posts text, channel and a block per failed node")
        func postsPayloadOnFailure() async throws {
            let server = try await RecordingWebhookServer()
            let manager = try await loadedManager([(.slack, ["webhook_url": server.url, "channel": "#data-ops"])])
            let result = try await runFailing(manager)
            #expect(result.failed == 1)
            try await tearDown(manager)
            await server.stop()

            let requests = server.requests
            #expect(requests.count == 1)
            let request = try #require(requests.first)
            #expect(request.path == "/services/T000/B000/\(RecordingWebhookServer.secretToken)")
            #expect(request.contentType?.hasPrefix("application/json") == true)
            let json = request.json
            #expect(json["channel"] as? String == "#data-ops")
            let text = try #require(json["text"] as? String)
            #expect(text.contains("failed"))
            #expect(text.contains("b"))
            let blocks = try #require(json["blocks"] as? [[String: Any]])
            let texts = blocks.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
            #expect(texts.contains { $0.contains("*b* (failed): exit status 3: connection reset") }, "\(texts)")
            #expect(!texts.contains { $0.contains("*a*") || $0.contains("*c*") })
        }

        @Test("5xx and 429 are retried with backoff, and Retry-After is honoured")
        func retriesHonouringRetryAfter() async throws {
            let server = try await RecordingWebhookServer(script: [
                .init(status: .internalServerError),
                .init(status: .tooManyRequests, retryAfter: "2"),
            ])
            let manager = try await loadedManager([
                (
                    .slack,
                    [
                        "webhook_url": server.url, "retry_delay_seconds": "0.05", "max_retries": "3",
                        "flush_timeout_seconds": "20",
                    ]
                )
            ])
            _ = try await runFailing(manager)
            try await tearDown(manager)
            await server.stop()

            let requests = server.requests
            #expect(requests.count == 3, "500, 429, then 200")
            if requests.count == 3 {
                #expect(requests[0].body == requests[2].body, "the same message is retried")
                // The 500 is retried after the short backoff, the 429 only after its Retry-After of 2 s.
                let afterRateLimit = requests[1].receivedAt.duration(to: requests[2].receivedAt)
                #expect(afterRateLimit >= .milliseconds(1900), "Retry-After ignored: \(afterRateLimit)")
            }
        }

        @Test("gives up after max_retries and says so without the URL")
        func givesUpWithoutLeakingTheURL() async throws {
            let capture = HostLogCapture()
            defer { capture.uninstall() }
            let server = try await RecordingWebhookServer(
                script: Array(repeating: .init(status: .badGateway), count: 10))
            let manager = try await loadedManager([
                (
                    .slack,
                    [
                        "webhook_url": server.url, "retry_delay_seconds": "0.05", "max_retries": "2",
                    ]
                )
            ])
            _ = try await runFailing(manager)
            try await tearDown(manager)
            await server.stop()

            #expect(server.requests.count == 3)
            let warnings = capture.all.filter { $0.label == "dagron.slack-webhook" }
            #expect(
                warnings.contains { $0.message.contains("502") && $0.message.contains("giving up after 3 attempts") })
            for warning in warnings {
                #expect(!warning.message.contains(RecordingWebhookServer.secretToken))
            }
        }

        @Test(
            "notify_on decides which runs post",
            arguments: [
                ("failure", false, 0), ("failure", true, 1), ("always", false, 1), ("always", true, 1),
                ("never", true, 0),
            ])
        func notifyOn(setting: String, fail: Bool, expected: Int) async throws {
            let server = try await RecordingWebhookServer()
            let manager = try await loadedManager([(.slack, ["webhook_url": server.url, "notify_on": setting])])
            _ = fail ? try await runFailing(manager) : try await runSucceeding(manager)
            try await tearDown(manager)
            await server.stop()
            #expect(server.requests.count == expected)
            if !fail, let json = server.requests.first?.json {
                #expect((json["text"] as? String)?.contains("succeeded") == true)
            }
        }

        @Test("a slow endpoint slows neither the run nor teardown beyond the flush bound")
        func slowEndpointIsBounded() async throws {
            let silent = try ListeningSocket()  // accepts connections, never answers
            defer { silent.close() }
            let threadsBefore = eventLoopThreads()
            let manager = try await loadedManager([
                (
                    .slack,
                    [
                        "webhook_url":
                            "http://127.0.0.1:\(silent.port)/services/T/B/\(RecordingWebhookServer.secretToken)",
                        "timeout_seconds": "30", "flush_timeout_seconds": "1",
                    ]
                )
            ])
            let ours = await newThreads(named: "NIO-ELT", since: threadsBefore, expecting: 1)
            #expect(ours.count == 1, "the sender runs on one event-loop thread of its own: \(ours)")
            let clock = ContinuousClock()
            let runTime = try await clock.measure { _ = try await runFailing(manager) }
            let teardownTime = try await clock.measure { try await tearDown(manager) }
            #expect(runTime < .seconds(5), "the run waited for the webhook: \(runTime)")
            #expect(teardownTime < .seconds(8), "teardown ignored the 1 s flush bound: \(teardownTime)")
            #expect(await threadsEnded(ours), "the sender's event-loop thread outlived teardown")
        }

        @Test("a dead endpoint is retried, then abandoned within the flush bound")
        func deadEndpointIsBounded() async throws {
            let capture = HostLogCapture()
            defer { capture.uninstall() }
            let port = try freePort()
            let url = "http://127.0.0.1:\(port)/services/T/B/\(RecordingWebhookServer.secretToken)"
            let manager = try await loadedManager([
                (
                    .slack,
                    [
                        "webhook_url": url, "retry_delay_seconds": "0.5", "max_retries": "10",
                        "flush_timeout_seconds": "1.5",
                    ]
                )
            ])
            _ = try await runFailing(manager)
            let teardownTime = try await ContinuousClock().measure { try await tearDown(manager) }
            #expect(teardownTime < .seconds(9))
            let warnings = capture.all.filter { $0.label == "dagron.slack-webhook" }.map(\.message)
            #expect(warnings.contains { $0.contains("flush_timeout_seconds") }, "\(warnings)")
            for warning in warnings {
                #expect(!warning.contains(RecordingWebhookServer.secretToken))
                #expect(!warning.contains(url))
            }
        }

        @Test("the URL never shows in a settings error or the description")
        func urlIsSecret() async throws {
            let secret = "https://hooks example.com/services/\(RecordingWebhookServer.secretToken)"
            let error = try #require(try await initializationError(.slack, ["webhook_url": secret]))
            #expect(String(describing: error).contains("'webhook_url'"))
            #expect(!String(describing: error).contains(RecordingWebhookServer.secretToken))
            let plugin = try PluginLoader.make(.slack)
            try plugin.configure(
                PluginSettings(
                    plugin: plugin.name,
                    ["webhook_url": "https://hooks.example.com/services/\(RecordingWebhookServer.secretToken)"]))
            #expect(!plugin.summary.contains(RecordingWebhookServer.secretToken))
            #expect(!String(describing: plugin).contains(RecordingWebhookServer.secretToken))
            #expect(!String(reflecting: plugin).contains(RecordingWebhookServer.secretToken))
        }

        @Test(
            "bad settings fail with a message naming the key",
            arguments: [
                ([:], "'webhook_url'"),
                (["webhook_url": "http://127.0.0.1:1/x", "notify_on": "sometimes"], "'notify_on'"),
                (["webhook_url": "http://127.0.0.1:1/x", "timeout_seconds": "0"], "'timeout_seconds'"),
                (["webhook_url": "http://127.0.0.1:1/x", "max_retries": "lots"], "'max_retries'"),
                (["webhook_url": "http://127.0.0.1:1/x", "queue_size": "0"], "'queue_size'"),
                (["webhook_url": "http://127.0.0.1:1/x", "webhook": "x"], "'webhook'"),
                (["webhook_url": "http://127.0.0.1:99999/x"], "'webhook_url'"),
                (["webhook_url": "http://127.0.0.1:1/x", "timeout_seconds": "1e300"], "'timeout_seconds'"),
                (["webhook_url": "http://127.0.0.1:1/x", "flush_timeout_seconds": "nan"], "'flush_timeout_seconds'"),
                (["webhook_url": "http://127.0.0.1:1/x", "retry_delay_seconds": "1e-12"], "'retry_delay_seconds'"),
                (["webhook_url": "http://127.0.0.1:1/x", "queue_size": "9223372036854775807"], "'queue_size'"),
            ])
        func badSettings(settings: [String: String], mention: String) async throws {
            let error = try #require(try await initializationError(.slack, settings))
            #expect(String(describing: error).contains(mention))
        }
    }
}
