extension Duration {
    /// A duration of `seconds`, made total: NaN and negative values give
    /// zero, values beyond what `Int64` nanoseconds can hold (about 292
    /// years) give that maximum. Never traps, unlike `.seconds(_:)` or
    /// `Int64(seconds * 1e9)` on an unchecked `Double`.
    ///
    /// Values a user wrote are checked against ``DurationBounds`` first; this
    /// is the conversion that stays safe for any `Double` a caller passes.
    ///
    /// ```swift
    /// Duration(clampingSeconds: 1.5)     // 1.5 seconds
    /// Duration(clampingSeconds: 1e300)   // Int64.max nanoseconds
    /// ```
    @inlinable
    public init(clampingSeconds seconds: Double) {
        let nanoseconds = seconds * 1e9
        if !(nanoseconds > 0) {
            self = .zero
        } else if nanoseconds >= 9.2e18 {
            self = .nanoseconds(Int64.max)
        } else {
            self = .nanoseconds(Int64(nanoseconds.rounded()))
        }
    }
}
