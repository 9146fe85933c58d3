import DagronHTTPDate
import Foundation
import Testing

/// The bundled servers' `Date` header text (`HTTPDateHeader`), checked
/// against fixed dates and against glibc's `gmtime_r`.
@Suite("HTTP Date header")
struct HTTPDateHeaderTests {
    @Test(
        "fixed dates, leap days, centuries and the epoch's edges",
        arguments: [
            (Int64(0), "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),  // RFC 9110's example
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),  // 2000 is a leap year
            (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),  // 2100 is not
            (1_798_761_599, "Thu, 31 Dec 2026 23:59:59 GMT"),
            (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
            (-2_208_988_800, "Mon, 01 Jan 1900 00:00:00 GMT"),
        ])
    func fixedDates(seconds: Int64, expected: String) {
        #expect(HTTPDateHeader.text(secondsSince1970: seconds) == expected)
    }

    @Test("times beyond four-digit years are clamped, never trapping")
    func clamped() {
        #expect(HTTPDateHeader.text(secondsSince1970: .max) == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(HTTPDateHeader.text(secondsSince1970: .min) == "Mon, 01 Jan 0001 00:00:00 GMT")
        #expect(HTTPDateHeader.text(secondsSince1970: 253_402_300_800) == "Fri, 31 Dec 9999 23:59:59 GMT")
    }

    @Test("every 86,399 seconds from 1901 to 2400 agrees with gmtime_r")
    func agreesWithGlibc() {
        // A step one second short of a day walks through every time of day
        // and every day of the week across leap and century years.
        var mismatches: [String] = []
        var seconds: Int64 = -2_147_483_648
        while seconds < 13_569_465_600, mismatches.count < 5 {
            let expected = glibcText(seconds)
            let actual = HTTPDateHeader.text(secondsSince1970: seconds)
            if actual != expected { mismatches.append("\(seconds): \(actual), gmtime_r: \(expected)") }
            seconds += 86_399
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("now() is the current second of the real-time clock")
    func now() {
        // The clock `now()` reads: `time()` reads Linux's coarse clock,
        // which can still be in the previous second for up to a tick after
        // CLOCK_REALTIME has entered the next (seen once in CI).
        func realTimeSeconds() -> Int64 {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            return Int64(now.tv_sec)
        }
        let before = realTimeSeconds()
        let text = HTTPDateHeader.now()
        let after = realTimeSeconds()
        #expect((before...after).map { HTTPDateHeader.text(secondsSince1970: $0) }.contains(text))
    }

    /// The same text built from `gmtime_r`'s fields (English names, as the RFC fixes them).
    private func glibcText(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var fields = tm()
        gmtime_r(&time, &fields)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(fields.tm_wday)]), \(two(fields.tm_mday)) \(months[Int(fields.tm_mon)]) "
            + "\(fields.tm_year + 1900) \(two(fields.tm_hour)):\(two(fields.tm_min)):\(two(fields.tm_sec)) GMT"
    }
}
