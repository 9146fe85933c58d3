import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel behind a ``ConnectionLimiter``: every
/// accepted connection is admitted (perhaps closing the oldest untrusted one)
/// or closed at once, before it costs more than its descriptor.
struct LimitedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http: HTTP1Channel
    let limiter: ConnectionLimiter

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        switch limiter.admit(channel) {
        case .admitted(let evicted):
            evicted?.close(promise: nil)
            return http.setup(channel: channel, logger: logger)
        case .refused:
            // A failed setup would leave the accepted socket unregistered and
            // open: set it up, and close it as soon as it is active.
            do {
                try channel.pipeline.syncOperations.addHandler(CloseWhenActive())
            } catch {
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }
            return http.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }

    /// Closes its channel as soon as the channel is active.
    private final class CloseWhenActive: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { context.close(promise: nil) }
        }

        func channelActive(context: ChannelHandlerContext) {
            context.close(promise: nil)
        }
    }
}
