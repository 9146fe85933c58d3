@_spi(DagronHost) import DagronSDK

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The clock of one execution: monotonic nanoseconds for durations, and wall
/// times derived from them and one wall-clock reading taken when the run is
/// created. A node then costs two clock reads (start and end) instead of four,
/// and its wall times can never disagree with its duration (an NTP step in
/// the middle of a run moves neither).
struct RunClock: Sendable {
    private let wallBase: Double
    private let monotonicBase: UInt64

    init() {
        monotonicBase = Self.monotonicNanoseconds()
        wallBase = WallClock.now()
    }

    /// Monotonic nanoseconds.
    func now() -> UInt64 { Self.monotonicNanoseconds() }

    /// `CLOCK_MONOTONIC` read directly: `DispatchTime.now()` reads the same
    /// clock through two library calls, a measurable share of a no-op node.
    private static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Seconds since the Unix epoch at monotonic instant `instant`.
    func wall(_ instant: UInt64) -> Double {
        wallBase + Double(Int64(bitPattern: instant &- monotonicBase)) / 1e9
    }

    /// The current time, as seconds since the Unix epoch.
    func wallNow() -> Double { wall(now()) }

    /// Seconds since the clock (the run) was created.
    func secondsSinceStart() -> Double { Self.seconds(from: monotonicBase, to: now()) }

    /// Seconds from `start` to `end`.
    static func seconds(from start: UInt64, to end: UInt64) -> Double {
        end > start ? Double(end - start) / 1e9 : 0
    }
}
