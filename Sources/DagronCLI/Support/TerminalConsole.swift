import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation

/// The `dagron` process's one terminal: every line it prints for a person
/// (``printError(_:)``, ``printWarning(_:)``, its log records, the run's
/// per-node lines) and every plugin's ``HostConsole`` text go through
/// ``shared``, so that none of it is glued onto `dagron run`'s live status
/// line (see ``StatusLineConsole``).
enum TerminalConsole {
    private static let start = ContinuousClock.now

    /// The console on standard output and standard error (with `run --json`,
    /// descriptor 1 is standard error: see ``ReservedStandardOutput``).
    static let shared = StatusLineConsole(
        output: DescriptorConsoleOutput.standard,
        width: {
            TerminalWidth.columns(
                of: DescriptorConsoleOutput.standard.output, environment: ProcessInfo.processInfo.environment)
        },
        now: { ContinuousClock.now - start })

    /// Installs the ``HostConsole`` sink: plugins' text, control characters
    /// escaped (``TerminalText``), printed through ``shared``.
    static func installHostSink() {
        HostConsole.install { text, stream in
            shared.write(TerminalText.escaped(text), to: stream)
        }
    }
}

/// A `TextOutputStream` onto ``TerminalConsole/shared``'s standard error, for
/// swift-log's `StreamLogHandler`: each log line is written as one piece,
/// above the status line.
struct TerminalConsoleErrorStream: TextOutputStream, Sendable {
    mutating func write(_ string: String) {
        TerminalConsole.shared.write(string, to: .error)
    }
}
