import AsyncHTTPClient
import DagronSDK
import Dispatch
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Delivers messages to the webhook in the background.
///
/// Messages wait in a bounded queue (an `AsyncStream` keeping the oldest
/// `queueSize`); one task sends them in order with AsyncHTTPClient, on the
/// sender's own one-thread event-loop group. A 5xx, 429 or transport error is
/// retried with exponential backoff, honouring `Retry-After`. ``close(within:)``
/// stops accepting messages, waits a bounded time for the queue to drain, then
/// cancels what is left and shuts the client and its thread down.
final class WebhookSender: Sendable {
    private let settings: SlackSettings
    private let group: MultiThreadedEventLoopGroup
    private let client: HTTPClient
    private let queue: AsyncStream<Data>.Continuation
    private let task: Task<Void, Never>
    private let drained = DispatchSemaphore(value: 0)
    private let counts = DeliveryCounts()
    private let report: @Sendable (String) -> Void

    /// - Parameters:
    ///   - settings: URL, timeouts, retries, queue size.
    ///   - report: Receives warnings (never containing the URL).
    init(settings: SlackSettings, report: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.report = report
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = HTTPClient.Configuration()
        // SlackSettings keeps every duration within its bounds; the conversions saturate anyway.
        let requestTimeout = TimeAmount(Duration(clampingSeconds: settings.requestTimeout))
        configuration.timeout = .init(connect: requestTimeout, read: requestTimeout)
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: group, configuration: configuration)
        let (stream, continuation) = AsyncStream.makeStream(
            of: Data.self, bufferingPolicy: .bufferingOldest(settings.queueSize))
        queue = continuation
        let drained = self.drained
        let deliver = Self.deliverer(settings: settings, client: client, counts: counts, report: report)
        task = Task.detached {
            for await body in stream {
                if Task.isCancelled { break }
                await deliver(body)
            }
            drained.signal()
        }
    }

    /// How many messages were delivered and how many given up on.
    var outcome: (delivered: Int, failed: Int) { counts.value.withTrackedLock { $0 } }

    /// Queues a message; never blocks. Returns `false` when the queue is full
    /// or closed (the message is dropped and a warning reported).
    @discardableResult
    func enqueue(_ body: Data) -> Bool {
        switch queue.yield(body) {
        case .enqueued: return true
        case .dropped:
            report("message dropped: the queue of \(settings.queueSize) is full")
            return false
        case .terminated:
            report("message dropped: the plugin is shutting down")
            return false
        @unknown default:
            return false
        }
    }

    /// Stops accepting messages and waits up to `seconds` for the queue to be
    /// delivered; then cancels the rest and releases the client and its thread.
    func close(within seconds: Double) {
        queue.finish()
        let bound = DispatchTimeInterval.nanoseconds(Int(TimeAmount(Duration(clampingSeconds: seconds)).nanoseconds))
        if drained.wait(timeout: .now() + bound) == .timedOut {
            report(
                "gave up delivering after waiting \(String(format: "%.1f", seconds))s (setting 'flush_timeout_seconds')"
            )
            task.cancel()
            _ = drained.wait(timeout: .now() + 5)
        }
        // Bounded: `syncShutdown` can wait forever for a request whose task never gets to run.
        let closed = DispatchSemaphore(value: 0)
        client.shutdown().whenComplete { _ in closed.signal() }
        _ = closed.wait(timeout: .now() + 5)
        try? group.syncShutdownGracefully()
    }

    /// The function the sender task runs for each message.
    private static func deliverer(
        settings: SlackSettings, client: HTTPClient,
        counts: DeliveryCounts, report: @escaping @Sendable (String) -> Void
    ) -> @Sendable (Data) async -> Void {
        { body in
            var attempt = 0
            while true {
                let problem: String
                var retryAfter: Double?
                do {
                    var request = HTTPClientRequest(url: settings.webhookURL)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
                    request.headers.add(name: "User-Agent", value: "dagron-slack-webhook/1.0")
                    request.body = .bytes(ByteBuffer(bytes: body))
                    let response = try await client.execute(
                        request, timeout: TimeAmount(Duration(clampingSeconds: settings.requestTimeout)))
                    _ = try? await response.body.collect(upTo: 64 * 1024)
                    let code = Int(response.status.code)
                    if (200..<300).contains(code) {
                        counts.value.withTrackedLock { $0.delivered += 1 }
                        return
                    }
                    problem = "the webhook answered \(code) \(response.status.reasonPhrase)"
                    guard code == 429 || code >= 500 else {
                        counts.value.withTrackedLock { $0.failed += 1 }
                        report("\(problem); not retrying")
                        return
                    }
                    retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryAfter.seconds(from: $0) }
                } catch {
                    if Task.isCancelled { break }
                    problem = "request failed: \(Self.redacted(String(describing: error), secret: settings.webhookURL))"
                }
                guard attempt < settings.maxRetries, !Task.isCancelled else {
                    counts.value.withTrackedLock { $0.failed += 1 }
                    report("\(problem); giving up after \(attempt + 1) attempt\(attempt == 0 ? "" : "s")")
                    return
                }
                let backoff = min(30, settings.retryDelay * pow(2, Double(attempt)))
                let delay = min(300, retryAfter ?? backoff)
                attempt += 1
                do {
                    try await Task.sleep(for: Duration(clampingSeconds: delay))
                } catch {
                    break
                }
            }
            counts.value.withTrackedLock { $0.failed += 1 }
        }
    }

    /// `text` with every occurrence of the secret URL (and its path) removed.
    static func redacted(_ text: String, secret: String) -> String {
        var result = text.replacingOccurrences(of: secret, with: "<webhook_url>")
        if let path = URLComponents(string: secret)?.percentEncodedPath, path.count > 1 {
            result = result.replacingOccurrences(of: path, with: "<webhook_path>")
        }
        return result
    }
}

/// How many messages were delivered and how many were given up on.
final class DeliveryCounts: Sendable {
    let value = Mutex<(delivered: Int, failed: Int)>((0, 0))
}
