import DagronNetworking
import DagronSDK
import Dispatch
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The HTTP `/metrics` endpoint: a Hummingbird router served by
/// `HTTPApplicationService` on the plugin's own one-thread event-loop group,
/// run in a `ServiceGroup` that installs no signal handlers (the host owns
/// SIGINT/SIGTERM).
///
/// ``start(host:port:exposition:)`` returns once the socket is bound (with
/// the bound port, useful when asked for port 0) or throws if binding failed.
/// ``stop()`` shuts the server and its threads down and waits for them.
final class MetricsServer: Sendable {
    private struct Running: Sendable {
        var group: MultiThreadedEventLoopGroup
        var serviceGroup: ServiceGroup
        var task: Task<Void, Never>
        var finished: DispatchSemaphore
    }

    private let running = Mutex<Running?>(nil)

    /// Binds `host:port` and serves `exposition()` at `GET /metrics`.
    /// - Returns: The bound address as `host:port`.
    func start(host: String, port: Int, exposition: @escaping @Sendable () -> [UInt8]) throws -> String {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let quiet = Logger(label: "dagron.prometheus-text") { _ in SwiftLogNoOpLogHandler() }
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: exposition())))
        }
        let bound = StartupResult()
        let application = HTTPApplicationService(
            responder: router.buildResponder(),
            configuration: ServerConfiguration(address: .hostname(host, port: port)),
            eventLoopGroup: group,
            logger: quiet,
            onServerRunning: { channel in bound.succeed(channel.localAddress) })
        let serviceGroup = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: quiet))
        let finished = DispatchSemaphore(value: 0)
        let task = Task.detached {
            do {
                try await serviceGroup.run()
                bound.fail(MetricsServerError.stoppedBeforeBinding)
            } catch {
                bound.fail(error)
            }
            finished.signal()
        }
        running.withTrackedLock {
            $0 = Running(group: group, serviceGroup: serviceGroup, task: task, finished: finished)
        }
        switch bound.wait(seconds: 30) {
        case .success(let address):
            let actualPort = address?.port ?? port
            return host.contains(":") ? "[\(host)]:\(actualPort)" : "\(host):\(actualPort)"
        case .failure(let error):
            stop()
            throw MetricsServerError.cannotListen(
                address: "\(host):\(port)", reason: (error as? IOError)?.systemText ?? String(describing: error))
        case nil:
            stop()
            throw MetricsServerError.cannotListen(
                address: "\(host):\(port)", reason: "the server did not start within 30 seconds")
        }
    }

    /// Stops the server, waits (up to 10 s) for it to finish, then shuts down its thread.
    func stop() {
        guard
            let current = running.withTrackedLock({ running in
                defer { running = nil }
                return running
            })
        else { return }
        let serviceGroup = current.serviceGroup
        Task.detached { await serviceGroup.triggerGracefulShutdown() }
        if current.finished.wait(timeout: .now() + 10) == .timedOut {
            current.task.cancel()
            _ = current.finished.wait(timeout: .now() + 5)
        }
        try? current.group.syncShutdownGracefully()
    }
}

/// The outcome of starting the server, handed from the server task to `start`.
private final class StartupResult: Sendable {
    private let value = Mutex<Result<SocketAddress?, any Error>?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func succeed(_ address: SocketAddress?) { set(.success(address)) }
    func fail(_ error: any Error) { set(.failure(error)) }

    private func set(_ result: Result<SocketAddress?, any Error>) {
        let first = value.withTrackedLock { value -> Bool in
            guard value == nil else { return false }
            value = result
            return true
        }
        if first { ready.signal() }
    }

    func wait(seconds: Int) -> Result<SocketAddress?, any Error>? {
        guard ready.wait(timeout: .now() + .seconds(seconds)) == .success else { return nil }
        return value.withTrackedLock { $0 }
    }
}

/// The `/metrics` server could not start.
enum MetricsServerError: Error, CustomStringConvertible {
    case cannotListen(address: String, reason: String)
    case stoppedBeforeBinding

    var description: String {
        switch self {
        case .cannotListen(let address, let reason):
            "plugin 'prometheus-text': cannot serve /metrics on \(address) (setting 'listen'): \(reason)"
        case .stoppedBeforeBinding:
            "the server stopped before it was listening"
        }
    }
}
