@_spi(DagronHost) import DagronSDK
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationEssentialsCompat
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A real HTTP server on loopback standing in for Slack: it records every
/// request and answers from a script (for example 500, then 429 with
/// `Retry-After`, then 200), then 200 once the script is used up.
final class RecordingWebhookServer: Sendable {
    /// One request as received.
    struct Request: Sendable {
        var path: String
        var contentType: String?
        var body: Data
        var receivedAt: ContinuousClock.Instant

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    }

    /// One scripted answer.
    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var retryAfter: String?
    }

    /// What the route handler shares with the test.
    private final class Store: Sendable {
        let recorded = Mutex<[Request]>([])
        let script: Mutex<[Answer]>
        init(script: [Answer]) { self.script = Mutex(script) }

        func nextAnswer() -> Answer {
            script.withTrackedLock { script in script.isEmpty ? Answer(status: .ok) : script.removeFirst() }
        }
    }

    /// One event-loop thread shared by every recording server of the test
    /// process. (Shutting a group down right after Hummingbird's graceful
    /// shutdown of a server that never had a connection makes NIO report a
    /// task scheduled on a closed loop; the tests' server does not need to
    /// release its thread, only the plugins must.)
    private static let sharedGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let store: Store
    private let serviceGroup: ServiceGroup
    private let runner: Task<Void, any Error>
    let port: Int

    /// The webhook's URL; its last path component stands for Slack's secret token.
    var url: String { "http://127.0.0.1:\(port)/services/T000/B000/\(Self.secretToken)" }
    static let secretToken = "XyzzySecretToken42"

    var requests: [Request] { store.recorded.withTrackedLock { $0 } }

    /// Starts the server on 127.0.0.1 and a free port.
    init(script: [Answer] = []) async throws {
        let store = Store(script: script)
        self.store = store
        let router = Router()
        router.post("services/{team}/{bot}/{token}") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            store.recorded.withTrackedLock {
                $0.append(
                    Request(
                        path: request.uri.path, contentType: request.headers[.contentType],
                        body: Data(buffer: body), receivedAt: .now))
            }
            let answer = store.nextAnswer()
            var headers = HTTPFields()
            if let retryAfter = answer.retryAfter { headers[.retryAfter] = retryAfter }
            return Response(status: answer.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        let ready = AsyncStream<Int>.makeStream()
        let quiet = Logger(label: "test-webhook") { _ in SwiftLogNoOpLogHandler() }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                ready.continuation.yield(channel.localAddress?.port ?? 0)
                ready.continuation.finish()
            },
            eventLoopGroupProvider: .shared(Self.sharedGroup),
            logger: quiet)
        let serviceGroup = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: quiet))
        self.serviceGroup = serviceGroup
        runner = Task { try await serviceGroup.run() }
        var bound = 0
        for await value in ready.stream { bound = value }
        port = bound
    }

    /// Stops the server.
    func stop() async {
        await serviceGroup.triggerGracefulShutdown()
        _ = try? await runner.value
    }
}
