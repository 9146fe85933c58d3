@_spi(DagronHost) public import DagronSDK

/// The three things a ``StatusLineConsole`` does to a terminal, in the
/// order it decides: clear the status line, write text, draw the status line.
///
/// ``DescriptorConsoleOutput`` is the real one; a test can record the calls.
/// The console calls these with its lock held, one at a time.
public protocol ConsoleOutput: Sendable {
    /// Erases the status line (carriage return, erase line), leaving the
    /// cursor at the start of the empty line.
    func clearStatusLine()
    /// Writes `text` (whole lines, ending with a newline) on `stream`.
    func write(_ text: String, to stream: HostConsole.Stream)
    /// Replaces whatever is on the cursor's line by `line` (no newline), the
    /// status line.
    func drawStatusLine(_ line: String)
}
