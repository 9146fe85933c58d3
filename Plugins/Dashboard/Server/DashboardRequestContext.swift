import Hummingbird
import NIOCore

/// The request context of the dashboard's routes: Hummingbird's basic one
/// plus the connection the request came on, so that ``AccessGuard`` can tell
/// the ``ConnectionLimiter`` which connection presented the token.
struct DashboardRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
