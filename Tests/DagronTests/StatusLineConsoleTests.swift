import Dagron
@_spi(DagronHost) import DagronSDK
import Synchronization
import Testing

/// ``StatusLineConsole``: text is never written onto the status line, the
/// redraws are throttled, the line is cut to the terminal's width. Driven
/// with a recording ``ConsoleOutput`` and a clock the tests move by hand.
@Suite struct StatusLineConsoleTests {
    /// What the console asked the terminal to do, in order.
    enum Call: Equatable {
        case clear
        case write(String, HostConsole.Stream)
        case draw(String)
    }

    /// A ``ConsoleOutput`` that records its calls.
    final class Recorder: ConsoleOutput {
        private let recorded = Mutex<[Call]>([])
        var calls: [Call] { recorded.withTrackedLock { $0 } }
        func clearStatusLine() { recorded.withTrackedLock { $0.append(.clear) } }
        func write(_ text: String, to stream: HostConsole.Stream) {
            recorded.withTrackedLock { $0.append(.write(text, stream)) }
        }
        func drawStatusLine(_ line: String) { recorded.withTrackedLock { $0.append(.draw(line)) } }
        func reset() { recorded.withTrackedLock { $0.removeAll() } }
    }

    /// A clock read by the console, moved by the test.
    final class ManualClock: Sendable {
        private let reading = Mutex(Duration.zero)
        var now: Duration { reading.withTrackedLock { $0 } }
        func advance(by duration: Duration) { reading.withTrackedLock { $0 += duration } }
    }

    /// A mutable value the status line renders.
    final class Text: Sendable {
        private let value: Mutex<String>
        init(_ value: String) { self.value = Mutex(value) }
        var current: String { value.withTrackedLock { $0 } }
        func set(_ new: String) { value.withTrackedLock { $0 = new } }
    }

    private func makeConsole(width: Int = 80) -> (StatusLineConsole, Recorder, ManualClock) {
        let recorder = Recorder()
        let clock = ManualClock()
        let console = StatusLineConsole(output: recorder, width: { width }, now: { clock.now })
        return (console, recorder, clock)
    }

    @Test func textIsWrittenAfterTheStatusLineIsClearedAndTheLineIsRedrawnBelowIt() {
        let (console, recorder, clock) = makeConsole()
        let status = Text("[0/2] 0.0s")
        console.showStatus { status.current }
        #expect(recorder.calls == [.draw("[0/2] 0.0s")])
        recorder.reset()
        clock.advance(by: .milliseconds(150))
        status.set("[1/2] 0.2s")
        console.write("timing: 2 nodes\n", to: .error)
        #expect(recorder.calls == [.clear, .write("timing: 2 nodes\n", .error), .draw("[1/2] 0.2s")])
    }

    @Test func withoutAStatusLineTextGoesStraightThrough() {
        let (console, recorder, _) = makeConsole()
        console.write("a\n", to: .output)
        console.refresh()
        #expect(recorder.calls == [.write("a\n", .output)])
    }

    @Test func aThrottledWriteLeavesTheLineClearedUntilTheNextRefreshThatIsAllowed() {
        let (console, recorder, clock) = makeConsole()
        console.showStatus { "[0/1]" }
        recorder.reset()
        clock.advance(by: .milliseconds(30))
        console.write("one\n", to: .output)
        console.write("two\n", to: .output)
        // Cleared once, never drawn: the last redraw was 30 ms ago.
        #expect(recorder.calls == [.clear, .write("one\n", .output), .write("two\n", .output)])
        recorder.reset()
        clock.advance(by: .milliseconds(50))
        console.refresh()
        #expect(recorder.calls.isEmpty, "80 ms after the last redraw: still throttled")
        clock.advance(by: .milliseconds(20))
        console.refresh()
        #expect(recorder.calls == [.draw("[0/1]")])
    }

    @Test func atMostTenRedrawsASecondWhateverTheRateOfEvents() {
        let (console, recorder, clock) = makeConsole()
        var tick = 0
        console.showStatus { "status" }
        // 1000 events over one second: one every millisecond.
        for _ in 0..<1000 {
            clock.advance(by: .milliseconds(1))
            tick += 1
            if tick % 3 == 0 { console.write("line\n", to: .output) } else { console.refresh() }
        }
        let draws = recorder.calls.filter { if case .draw = $0 { true } else { false } }.count
        #expect(draws >= 9 && draws <= 11, "\(draws) redraws in one simulated second")
    }

    @Test func hidingClearsAShownLineOnceAndStopsRedraws() {
        let (console, recorder, clock) = makeConsole()
        console.showStatus { "status" }
        console.hideStatus()
        clock.advance(by: .seconds(1))
        console.refresh()
        console.write("summary\n", to: .output)
        #expect(recorder.calls == [.draw("status"), .clear, .write("summary\n", .output)])
        #expect(!console.isShowingStatus)
    }

    @Test func theStatusLineIsCutToTheWidthLeavingTheLastColumnFree() {
        let (console, recorder, _) = makeConsole(width: 12)
        console.showStatus { "[3/6] 1.2s  running: transform, load" }
        #expect(recorder.calls == [.draw("[3/6] 1.2s ")])
    }

    @Test func theWidthIsReadAtEveryRedraw() {
        let recorder = Recorder()
        let clock = ManualClock()
        let width = Mutex(40)
        let console = StatusLineConsole(output: recorder, width: { width.withTrackedLock { $0 } }, now: { clock.now })
        let line = String(repeating: "x", count: 100)
        console.showStatus { line }
        width.withTrackedLock { $0 = 20 }
        clock.advance(by: .milliseconds(100))
        console.refresh()
        #expect(recorder.calls == [.draw(String(repeating: "x", count: 39)), .draw(String(repeating: "x", count: 19))])
    }

    @Test func wideCharactersTakeTwoColumns() {
        #expect(TerminalWidth.cut("日本語のノード", toFit: 7) == "日本語")
        #expect(TerminalWidth.cut("abc", toFit: 80) == "abc")
        #expect(TerminalWidth.cut("abc", toFit: 0) == "a", "a line always keeps a column of text")
    }

    @Test func columnsComeFromCOLUMNSWhenTheDescriptorIsNoTerminal() {
        // Descriptor -1 is no terminal: the environment decides, then the fallback.
        #expect(TerminalWidth.columns(of: -1, environment: ["COLUMNS": "57"]) == 57)
        #expect(TerminalWidth.columns(of: -1, environment: ["COLUMNS": "wide"]) == TerminalWidth.fallback)
        #expect(TerminalWidth.columns(of: -1, environment: ["COLUMNS": "0"]) == TerminalWidth.fallback)
        #expect(TerminalWidth.columns(of: -1, environment: [:]) == TerminalWidth.fallback)
    }

    @Test func theThrottleAllowsOneRedrawPerInterval() {
        var throttle = RedrawThrottle(interval: .milliseconds(100))
        let answers = [0, 99, 100, 150, 250].map { throttle.allowsRedraw(at: .milliseconds($0)) }
        #expect(answers == [true, false, true, false, true])
    }
}
