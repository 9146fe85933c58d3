#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A wall-clock instant, taken when a hook event happens and printed later.
struct LogTimestamp: Sendable {
    var seconds: Int
    var nanoseconds: Int

    /// The current time (`CLOCK_REALTIME`).
    static func now() -> LogTimestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return LogTimestamp(seconds: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec))
    }
}
