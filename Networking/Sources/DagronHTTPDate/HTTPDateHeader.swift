#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// The text of an HTTP `Date` header (RFC 9110's IMF-fixdate, such as
/// `Sun, 06 Nov 1994 08:49:37 GMT`), computed from the system clock with
/// integer arithmetic.
///
/// Hummingbird's `Application` formats its `Date` header with Foundation's
/// `Calendar`, whose default time zone loads ICU's time-zone data into the
/// process: 1.7 MB resident in the host that loads a plugin serving HTTP.
/// A UTC date needs none of it: the civil date of a day count is a few
/// divisions (Howard Hinnant's `civil_from_days`), and the names are fixed
/// English by the RFC.
public enum HTTPDateHeader {
    /// The header for the current time of the system's real-time clock.
    public static func now() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return text(secondsSince1970: Int64(now.tv_sec))
    }

    /// The header for `seconds` after 1970-01-01 00:00:00 UTC (negative:
    /// before). Years before 1 or after 9999 are clamped to those years'
    /// bounds, as the format has four year digits.
    public static func text(secondsSince1970 seconds: Int64) -> String {
        // 0001-01-01 and 9999-12-31 23:59:59, in seconds since 1970.
        let clamped = min(max(seconds, -62_135_596_800), 253_402_300_799)
        let days = floorDivide(clamped, 86_400)
        let secondOfDay = clamped - days * 86_400
        let (year, month, day) = civilDate(daysSince1970: days)
        // 1970-01-01 was a Thursday.
        let weekday = Int(((days % 7) + 7 + 4) % 7)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(29)
        bytes += weekdays[weekday].utf8
        bytes += ", ".utf8
        append(Int(day), digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes += months[Int(month) - 1].utf8
        bytes.append(UInt8(ascii: " "))
        append(Int(year), digits: 4, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        append(Int(secondOfDay / 3600), digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(Int(secondOfDay / 60 % 60), digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(Int(secondOfDay % 60), digits: 2, to: &bytes)
        bytes += " GMT".utf8
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The proleptic Gregorian year, month (1-12) and day (1-31) of a day count.
    private static func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097  // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0...365, from March 1
        let monthFromMarch = (5 * dayOfYear + 2) / 153  // 0...11
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    private static func append(_ value: Int, digits: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<digits { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
