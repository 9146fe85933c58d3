@_spi(DagronHost) import DagronSDK
import Testing

/// The shared range checks: what they refuse, what they accept, and the
/// conversion that never traps.
@Suite("Value bounds")
struct ValueBoundsTests {
    private let timeout = DurationBounds(longest: DurationBounds.year)
    private let delay = DurationBounds(longest: 3_600, allowsZero: true)

    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e300, 1e10, -1, 1e-12, 0.000_999, 0, -0.0])
    func aTimeoutRefuses(seconds: Double) {
        #expect(!timeout.contains(seconds))
    }

    @Test func theBoundsThemselvesAreAccepted() {
        #expect(timeout.contains(0.001))
        #expect(timeout.contains(DurationBounds.year))
        #expect(!timeout.contains(DurationBounds.year.nextUp))
        #expect(delay.contains(0))
        #expect(!delay.contains(3_600.5))
    }

    @Test func rangesReadAsWords() {
        #expect(timeout.description == "from 1ms to 365 days")
        #expect(delay.description == "from 1ms to 1 hour, or 0")
        #expect(DurationBounds(shortest: 0.5, longest: 90).description == "from 500ms to 90s")
        #expect(IntegerBounds(0...1000).description == "from 0 to 1000")
    }

    @Test(arguments: ["1e10", "-1", "1001", "nan", "1.5", "", "9223372036854775807", "99999999999999999999", "0x10"])
    func anIntegerRefuses(text: String) {
        #expect(IntegerBounds(0...1000).read(text) == nil)
    }

    @Test func anIntegerIsReadWithSpacesAround() {
        #expect(IntegerBounds(0...1000).read(" 1000 ") == 1000)
        #expect(IntegerBounds.port.read("0") == 0)
        #expect(IntegerBounds.port.read("65535") == 65_535)
        #expect(IntegerBounds.port.read("65536") == nil)
    }

    @Test func settingsReadersNameTheKeyAndTheRange() throws {
        let settings = PluginSettings(plugin: "p", ["wait": "1e300", "count": "-1", "ok": "2.5"])
        #expect(
            throws: PluginSettingsError.malformed(
                plugin: "p", key: "wait", value: "1e300", expected: "a number of seconds from 1ms to 1 hour, or 0")
        ) {
            try settings.seconds("wait", default: 1, within: delay)
        }
        #expect(
            throws: PluginSettingsError.malformed(
                plugin: "p", key: "count", value: "-1", expected: "an integer from 0 to 1000")
        ) {
            try settings.int("count", default: 1, within: IntegerBounds(0...1000))
        }
        #expect(try settings.seconds("ok", default: 1, within: delay) == 2.5)
        #expect(try settings.seconds("unset", default: 7, within: delay) == 7)
    }

    @Test func clampingConversionNeverTraps() {
        #expect(Duration(clampingSeconds: 1.5) == .milliseconds(1500))
        #expect(Duration(clampingSeconds: .nan) == .zero)
        #expect(Duration(clampingSeconds: -5) == .zero)
        #expect(Duration(clampingSeconds: 1e300) == .nanoseconds(Int64.max))
        #expect(Duration(clampingSeconds: .infinity) == .nanoseconds(Int64.max))
        #expect(ApprovalGate(timeoutSeconds: 1e300).timeout == .nanoseconds(Int64.max))
    }
}
