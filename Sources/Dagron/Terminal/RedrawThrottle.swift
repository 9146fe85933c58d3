/// At most one status-line redraw per ``interval``: decides, from the time
/// it is given (a clock's reading as a duration since some start), whether
/// a redraw may happen now.
///
/// The time is passed in, so tests drive it with readings of their own.
public struct RedrawThrottle: Sendable {
    /// The shortest time between two redraws.
    public let interval: Duration
    private var lastRedraw: Duration?

    /// Allows a redraw every `interval` (100 ms: at most 10 a second).
    public init(interval: Duration = .milliseconds(100)) {
        self.interval = interval
    }

    /// Whether a redraw may happen at `now`; when it may, the redraw is
    /// counted as done at `now`.
    public mutating func allowsRedraw(at now: Duration) -> Bool {
        if let lastRedraw, now - lastRedraw < interval, now >= lastRedraw { return false }
        lastRedraw = now
        return true
    }
}
