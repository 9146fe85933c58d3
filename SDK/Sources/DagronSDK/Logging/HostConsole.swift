import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The user's terminal, shared with the host: how a plugin prints something
/// meant for a person (a report, a URL, an address it serves on).
///
/// While `dagron run` works, the terminal's last line is a live status line
/// that is redrawn several times a second. A plugin that writes to standard
/// output or standard error itself (`print`, `FileHandle.standardError`)
/// lands in the middle of that line; text printed through `HostConsole`
/// does not: the host's sink clears the status line, writes the text and
/// draws the status line again below it. When the plugin runs isolated
/// (in a child process), its console text is sent to the parent `dagron`
/// and printed there the same way.
///
/// When no host installed a sink (a plugin used outside `dagron`, a test
/// harness), the text is written to standard output or standard error as
/// it is, so a plugin can always print through `HostConsole`.
///
/// ```swift
/// HostConsole.print("Dashboard: \(url)")
/// HostConsole.printBlock(report.table(), to: .error)
/// ```
///
/// The text is for a person: the host shows control characters escaped
/// (no colours or cursor movement), like any other output it did not make.
/// Diagnostics belong in ``HostLog``, whose records the user filters by level.
public enum HostConsole {
    /// Which of the user's two streams a text belongs on.
    public enum Stream: String, Sendable, Hashable, CaseIterable {
        /// Standard output: results and reports. With `dagron run --json`,
        /// where standard output carries the JSON document alone, the host
        /// prints these on standard error.
        case output
        /// Standard error: warnings and notices.
        case error
    }

    /// What the host installs: it receives whole lines (the text ends with
    /// exactly one newline) and the stream they belong on.
    public typealias Sink = @Sendable (_ text: String, _ stream: Stream) -> Void

    private static let sink = Mutex<Sink?>(nil)

    /// Installs (or, with `nil`, removes) the host's sink.
    @_spi(DagronHost) public static func install(_ newSink: Sink?) {
        sink.withTrackedLock { $0 = newSink }
    }

    /// Whether the host installed a sink.
    public static var isInstalled: Bool { sink.withTrackedLock { $0 != nil } }

    /// Prints one line (a newline is added) on `stream`.
    public static func print(_ line: String, to stream: Stream = .output) {
        deliver(line + "\n", to: stream)
    }

    /// Prints a block of lines (a table, a report) in one piece: no other
    /// output of the host comes between its lines. A final newline is added
    /// when `text` has none.
    public static func printBlock(_ text: String, to stream: Stream = .output) {
        deliver(text.hasSuffix("\n") ? text : text + "\n", to: stream)
    }

    private static func deliver(_ text: String, to stream: Stream) {
        if let current = sink.withTrackedLock({ $0 }) {
            current(text, stream)
            return
        }
        writeAll(text, to: stream == .error ? 2 : 1)
    }

    /// Writes all of `text` to `descriptor`, retrying interrupted and short writes.
    private static func writeAll(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
