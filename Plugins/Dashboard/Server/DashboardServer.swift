import DagronNetworking
import DagronSDK
import Dispatch
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The dashboard's HTTP server: a Hummingbird router served by
/// `HTTPApplicationService` on an event-loop group of its own, run in a
/// `ServiceGroup` that installs no signal handlers (the host owns
/// SIGINT/SIGTERM).
///
/// ``start(host:port:limits:state:token:logger:)`` returns once the socket
/// is bound (so the URL can be printed with the real port); ``stop()`` ends
/// every stream, shuts the server down gracefully, and shuts the event-loop
/// group down, after which the port is free. Every connection goes through a
/// ``ConnectionLimiter`` (see ``Limits``).
final class DashboardServer: Sendable {
    /// The bound port.
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let serviceGroup: ServiceGroup
    private let closing: EventStream.Closing
    private let executor: EventLoopTaskExecutor
    private let stopped: Completion<Void>

    /// How long starting and stopping may take before giving up.
    static let startTimeout: Duration = .seconds(30)

    /// How many connections the server keeps, and for how long.
    struct Limits: Sendable {
        /// The most connections open at once (lowered to the ``DescriptorBudget``).
        var maxConnections: Int
        /// How long a connection may stay open without an authenticated
        /// request, and how long a keep-alive connection may idle between requests.
        var idleTimeout: Duration
    }

    private init(
        port: Int, group: MultiThreadedEventLoopGroup, executor: EventLoopTaskExecutor,
        serviceGroup: ServiceGroup, closing: EventStream.Closing, stopped: Completion<Void>
    ) {
        self.port = port
        self.group = group
        self.executor = executor
        self.serviceGroup = serviceGroup
        self.closing = closing
        self.stopped = stopped
    }

    /// Binds `host:port` (0 for a free port) and serves `state`. Blocks until
    /// the socket is bound or binding failed.
    static func start(
        host: String, port: Int, limits: Limits, state: RunState, token: AccessToken, logger: Logger
    ) throws -> DashboardServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let executor = EventLoopTaskExecutor(group.next())
        let closing = EventStream.Closing()
        let bound = Completion<Int>()
        let stopped = Completion<Void>()
        let routes = DashboardRoutes(state: state, stream: EventStream(state: state, closing: closing))
        let router = Router(context: DashboardRequestContext.self)
        let limiter = ConnectionLimiter(
            limit: DescriptorBudget.connectionLimit(requested: limits.maxConnections),
            idleTimeout: limits.idleTimeout, logger: logger)
        // The Host check needs the real port, known only once bound; a
        // request cannot arrive before that.
        let hosts = BoundHosts()
        router.add(middleware: AccessGuard(token: token, hosts: hosts, limiter: limiter))
        routes.register(on: router)
        // Hummingbird's own idle timeout closes keep-alive connections that
        // idle between requests (never a response being streamed); the
        // limiter closes connections that never present the token.
        let http = HTTP1Channel.Configuration(idleTimeout: TimeAmount(limits.idleTimeout))
        let app = HTTPApplicationService(
            responder: router.buildResponder(),
            server: HTTPServerBuilder { responder in
                LimitedHTTP1Channel(http: HTTP1Channel(responder: responder, configuration: http), limiter: limiter)
            },
            configuration: ServerConfiguration(address: .hostname(host, port: port), serverName: "dagron-dashboard"),
            eventLoopGroup: group,
            logger: logger,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                hosts.set(AllowedHosts(boundHost: host, port: port))
                bound.complete(.success(port))
            })
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: app)], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        Task.detached(executorPreference: executor) {
            do {
                try await serviceGroup.run()
                bound.complete(
                    .failure(DashboardStartError(host: host, port: port, reason: "the server stopped at once")))
            } catch {
                bound.complete(.failure(DashboardStartError(host: host, port: port, error: error)))
            }
            stopped.complete(.success(()))
        }
        let outcome =
            bound.wait(timeout: startTimeout)
            ?? .failure(DashboardStartError(host: host, port: port, reason: "not listening after \(startTimeout)"))
        switch outcome {
        case .success(let boundPort):
            return DashboardServer(
                port: boundPort, group: group, executor: executor, serviceGroup: serviceGroup,
                closing: closing, stopped: stopped)
        case .failure(let error):
            shutDown(serviceGroup, executor: executor, stopped: stopped)
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// Ends the event streams, stops the server, and releases its thread and port.
    /// Blocks until done (or until ``startTimeout`` passed).
    func stop() {
        closing.close()
        Self.shutDown(serviceGroup, executor: executor, stopped: stopped)
        // Nothing of ours is left to run on the loop: stop its thread.
        try? group.syncShutdownGracefully()
    }

    /// Asks the service group to stop and waits until it has, and until the
    /// task that asked has finished too.
    private static func shutDown(
        _ serviceGroup: ServiceGroup, executor: EventLoopTaskExecutor, stopped: Completion<Void>
    ) {
        let asked = Completion<Void>()
        Task.detached(executorPreference: executor) {
            await serviceGroup.triggerGracefulShutdown()
            asked.complete(.success(()))
        }
        _ = asked.wait(timeout: startTimeout)
        _ = stopped.wait(timeout: startTimeout)
    }
}

/// A value produced once on one thread and waited for on another.
final class Completion<Value: Sendable>: Sendable {
    private let value = Mutex<Result<Value, any Error>?>(nil)
    private let signal = DispatchSemaphore(value: 0)

    /// Sets the value; later calls are ignored.
    func complete(_ result: Result<Value, any Error>) {
        let first = value.withTrackedLock { value in
            guard value == nil else { return false }
            value = result
            return true
        }
        if first { signal.signal() }
    }

    /// Waits up to `timeout`; `nil` if nothing arrived.
    func wait(timeout: Duration) -> Result<Value, any Error>? {
        let nanos =
            Int(timeout.components.seconds) * 1_000_000_000 + Int(timeout.components.attoseconds / 1_000_000_000)
        if signal.wait(timeout: .now() + .nanoseconds(nanos)) == .timedOut { return nil }
        signal.signal()  // let later waiters through too
        return value.withTrackedLock { $0 }
    }
}
