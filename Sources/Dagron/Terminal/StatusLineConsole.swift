@_spi(DagronHost) public import DagronSDK
import Synchronization

/// One terminal shared by a live status line and everything else printed on
/// it: the host's lines, its log records, plugins' ``HostConsole`` text.
///
/// Every write goes through ``write(_:to:)``, which, under one lock, clears
/// the status line if it is shown, writes the text, and draws the status
/// line again below it: no text is ever glued onto the status line, and
/// no two writers interleave. Redraws are throttled (``RedrawThrottle``:
/// at most one per 100 ms, whatever the rate of events); a redraw the
/// throttle refused happens at the next ``refresh()``, which the status
/// line's owner calls on a timer. The status line is cut to the
/// terminal's width, read at every redraw (a resized window is followed).
///
/// Without a status line (``showStatus(_:)`` not called, or on a pipe)
/// writes go straight through.
public final class StatusLineConsole: Sendable {
    private struct State {
        var render: (@Sendable () -> String)?
        var shown = false
        var throttle: RedrawThrottle
    }

    private let output: any ConsoleOutput
    private let width: @Sendable () -> Int
    private let now: @Sendable () -> Duration
    private let state: Mutex<State>

    /// Creates a console on `output`.
    /// - Parameters:
    ///   - width: the terminal's width in columns, asked at every redraw.
    ///   - now: the time, as a duration since any fixed start (a test passes readings of its own).
    ///   - redrawInterval: the shortest time between two redraws.
    public init(
        output: any ConsoleOutput, width: @escaping @Sendable () -> Int, now: @escaping @Sendable () -> Duration,
        redrawInterval: Duration = .milliseconds(100)
    ) {
        self.output = output
        self.width = width
        self.now = now
        self.state = Mutex(State(throttle: RedrawThrottle(interval: redrawInterval)))
    }

    /// Writes `text` (whole lines, ending with a newline) on `stream`, above
    /// the status line.
    public func write(_ text: String, to stream: HostConsole.Stream) {
        state.withTrackedLock { state in
            if state.shown {
                output.clearStatusLine()
                state.shown = false
            }
            output.write(text, to: stream)
            redrawIfAllowed(&state)
        }
    }

    /// Shows a status line whose text `render` gives at each redraw, and draws it.
    ///
    /// `render` runs with the console's lock held: it must not write to this console.
    public func showStatus(_ render: @escaping @Sendable () -> String) {
        state.withTrackedLock { state in
            state.render = render
            redrawIfAllowed(&state)
        }
    }

    /// Redraws the status line, unless the last redraw was too recent.
    public func refresh() {
        state.withTrackedLock { redrawIfAllowed(&$0) }
    }

    /// Clears the status line and stops showing it.
    public func hideStatus() {
        state.withTrackedLock { state in
            state.render = nil
            if state.shown {
                output.clearStatusLine()
                state.shown = false
            }
        }
    }

    /// Whether a status line is being shown.
    public var isShowingStatus: Bool { state.withTrackedLock { $0.render != nil } }

    private func redrawIfAllowed(_ state: inout State) {
        guard let render = state.render, state.throttle.allowsRedraw(at: now()) else { return }
        output.drawStatusLine(TerminalWidth.cut(render(), toFit: width()))
        state.shown = true
    }
}
