internal import DagronHTTPDate
public import Hummingbird
public import HummingbirdCore
public import Logging
public import NIOCore
internal import NIOHTTP1
public import ServiceLifecycle

/// Serves a Hummingbird responder as `Application.run()` does, for the
/// bundled plugins' HTTP servers.
///
/// The difference is the `Date` header. `Application` keeps it in a cache
/// built on Foundation's `Calendar`, whose default time zone loads ICU's
/// time-zone data (1.7 MB resident, in the host process that loads the
/// plugin) and whose timer task wakes the process every second. This
/// service stamps each response from ``HTTPDateHeader`` instead, which reads
/// the clock and computes the same text with integer arithmetic.
///
/// Run it in a `ServiceGroup` like an `Application`; it stops on the group's
/// graceful shutdown.
public struct HTTPApplicationService<Responder: HTTPResponder>: Service
where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    private let responder: Responder
    private let server: HTTPServerBuilder
    private let configuration: ServerConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let onServerRunning: @Sendable (any Channel) async -> Void

    /// A service serving `responder`.
    /// - Parameters:
    ///   - responder: What answers each request (`router.buildResponder()`).
    ///   - server: The channel each connection gets (HTTP/1.1 by default).
    ///   - configuration: Where to listen; its `serverName`, when set, is
    ///     sent as every response's `Server` header.
    ///   - eventLoopGroup: The group the server runs on; the caller owns it
    ///     and shuts it down after the service has stopped.
    ///   - logger: The server's and each request context's logger.
    ///   - onServerRunning: Called once the socket is bound (read the port
    ///     from the channel's `localAddress`).
    public init(
        responder: Responder,
        server: HTTPServerBuilder = .http1(),
        configuration: ServerConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) {
        self.responder = responder
        self.server = server
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    /// Binds the socket and serves until the enclosing `ServiceGroup` shuts down.
    public func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let serverName = configuration.serverName
        let service = try server.buildServer(
            configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger,
            responder: { request, writer, channel in
                let context = Responder.Context(source: .init(channel: channel, logger: logger))
                var response: Response
                do {
                    response = try await responder.respond(to: request, context: context)
                } catch let error as HTTPParserError {
                    // The connection handler answers 400 and closes.
                    throw error
                } catch {
                    logger.debug("request failed", metadata: ["error": "\(error)"])
                    response = Response(status: .internalServerError, body: .init())
                }
                response.headers[.date] = HTTPDateHeader.now()
                if let serverName { response.headers[.server] = serverName }
                do {
                    try await writer.write(response: response.head, body: response.body)
                } catch is HTTPParserError {
                    // The request's body turned out malformed while the
                    // response was being written: a second response (the
                    // handler's 400) would corrupt the stream, so close.
                    throw ResponseAbandoned()
                }
            },
            onServerRunning: onServerRunning)
        try await service.run()
    }
}

/// A response could not be finished; the connection is closed without another.
private struct ResponseAbandoned: Error {}
