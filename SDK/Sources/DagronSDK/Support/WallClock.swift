#if canImport(Glibc)
    import Glibc
    // Which C module owns `timespec` depends on the order modules were loaded;
    // with MemberImportVisibility its members need that module imported.
    #if canImport(SwiftOverlayShims)
        import SwiftOverlayShims
    #endif
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wall-clock time as seconds since the Unix epoch, for timestamps that
/// leave the process (JSON, logs, dashboards). Durations use a monotonic clock.
public enum WallClock {
    /// Seconds since 1970-01-01T00:00:00Z.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
