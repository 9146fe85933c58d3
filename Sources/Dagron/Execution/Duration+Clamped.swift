extension Duration {
    /// Whole nanoseconds, saturating: 0 for a negative duration, `Int64.max`
    /// for one past Int64 nanoseconds (about 292 years).
    var clampedNanoseconds: Int64 {
        let (whole, overflow) = components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (nanos, carry) = whole.addingReportingOverflow(components.attoseconds / 1_000_000_000)
        return overflow || carry ? (self < .zero ? 0 : Int64.max) : max(0, nanos)
    }
}
