import DagronSDK
import Logging
import NIOCore
import Synchronization

/// Keeps the dashboard's connections to ``limit`` and closes those that do not
/// present the token in time.
///
/// A connection is *trusted* once a request on it has passed the
/// ``AccessGuard`` (the right `Host` and the token). Every other connection is
/// closed ``idleTimeout`` after it was accepted, whatever it sent meanwhile (a
/// header trickled byte by byte does not keep it open). When a new connection
/// would make more than ``limit``, the oldest untrusted connection is closed
/// at once to make room; when every open connection is trusted, the new one is
/// closed at once instead. Nothing is ever queued: a flood of idle connections
/// costs the process at most ``limit`` descriptors, and the newest connection
/// (the browser's own, after a flood) is always served.
final class ConnectionLimiter: Sendable {
    /// The most connections open at once.
    let limit: Int
    /// How long an untrusted connection stays open.
    let idleTimeout: Duration
    private let logger: Logger
    private let state = Mutex(State())

    private struct Entry {
        let channel: any Channel
        let order: UInt64
        var trusted: Bool
    }

    private struct State {
        var open: [ObjectIdentifier: Entry] = [:]
        var accepted: UInt64 = 0
        var warned = false
    }

    /// What to do with a new connection.
    enum Admission: Sendable {
        /// Serve it; close `evicted` (the oldest untrusted connection), if any, to make room.
        case admitted(evicted: (any Channel)?)
        /// Close it: every open connection is trusted and the limit is reached.
        case refused
    }

    init(limit: Int, idleTimeout: Duration, logger: Logger) {
        self.limit = max(1, limit)
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    /// Counts `channel` in (or not) and arranges for it to be forgotten when
    /// it closes and to be closed if it is still untrusted after ``idleTimeout``.
    func admit(_ channel: any Channel) -> Admission {
        let (admission, firstTimeFull) = state.withTrackedLock { state -> (Admission, Bool) in
            var evicted: (any Channel)?
            var full = false
            if state.open.count >= limit {
                full = !state.warned
                state.warned = true
                var oldest: (key: ObjectIdentifier, entry: Entry)?
                for (key, entry) in state.open where !entry.trusted && entry.order < (oldest?.entry.order ?? .max) {
                    oldest = (key, entry)
                }
                guard let oldest else { return (.refused, full) }
                evicted = oldest.entry.channel
                state.open.removeValue(forKey: oldest.key)
            }
            state.accepted &+= 1
            state.open[ObjectIdentifier(channel)] = Entry(channel: channel, order: state.accepted, trusted: false)
            return (.admitted(evicted: evicted), full)
        }
        if firstTimeFull {
            logger.warning(
                "\(limit) connections are open (max_connections, or a quarter of the free file descriptors): closing the oldest connection that has not presented the token for each new one"
            )
        }
        guard case .admitted = admission else { return admission }
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(idleTimeout)) { [self] in
            if !isTrusted(channel) { channel.close(promise: nil) }
        }
        channel.closeFuture.whenComplete { [self] _ in
            deadline.cancel()
            forget(channel)
        }
        return admission
    }

    /// Marks `channel` as having presented the token: it is never evicted nor
    /// closed for idling before its first request.
    func trust(_ channel: any Channel) {
        state.withTrackedLock { $0.open[ObjectIdentifier(channel)]?.trusted = true }
    }

    private func isTrusted(_ channel: any Channel) -> Bool {
        state.withTrackedLock { $0.open[ObjectIdentifier(channel)]?.trusted ?? false }
    }

    private func forget(_ channel: any Channel) {
        state.withTrackedLock { state in
            let key = ObjectIdentifier(channel)
            // An evicted channel was removed when it was evicted.
            if let entry = state.open[key], entry.channel === channel { state.open.removeValue(forKey: key) }
        }
    }
}
