import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What a user sees while `dagron run` works, driven by hook events.
///
/// On a terminal: one line per finished node with its duration, under a
/// live status line (done/total, running nodes, elapsed) drawn by
/// ``TerminalConsole`` (at most 10 redraws a second, cut to the window's
/// width, cleared before anything else is printed). Elsewhere (CI, pipes):
/// the same per-node lines, plain, and no status line.
/// ``printSummary(_:result:)`` ends either with counts and the slowest nodes.
/// Symbols and colours follow ``ConsoleStyle`` (`--color`, `NO_COLOR`, the locale).
///
/// Everything it prints passes through ``TerminalText/escaped(_:)``: node
/// output (the stderr tail), names and reasons read from files cannot send
/// control sequences to the terminal.
final class RunConsole: Sendable {
    private struct State {
        var done = 0
        var running: [String] = []
        var timer: Task<Void, Never>?
    }

    private let live: Bool
    private let style: ConsoleStyle
    private let console: StatusLineConsole
    private let total: Int
    private let runDirectory: String
    private let gateMessages: [String: String]
    private let started = ContinuousClock.now
    private let state = Mutex(State())

    /// Creates a console for a run of `total` nodes whose gates ask
    /// `gateMessages` (by gate name). `live` (a status line) when standard
    /// output is a terminal (`TERM` not `dumb`), unless `forcePlain`.
    init(
        total: Int, runDirectory: String, gateMessages: [String: String], forcePlain: Bool, color: ColorChoice,
        console: StatusLineConsole = TerminalConsole.shared,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.console = console
        self.total = total
        self.runDirectory = runDirectory
        self.gateMessages = gateMessages
        // With --json, descriptor 1 is standard error (ReservedStandardOutput): the status line goes there.
        let isTerminal = isatty(DescriptorConsoleOutput.standard.output) == 1
        self.live = !forcePlain && isTerminal && environment["TERM"] != "dumb"
        self.style = ConsoleStyle(color: color, isTerminal: isTerminal, environment: environment)
    }

    /// Registers the console's hooks on `hooks` and starts the status line.
    func attach(to hooks: HookRegistry) {
        hooks.register(.preNode, priority: -100) { [self] context in
            guard let name = context.nodeName else { return }
            state.withTrackedLock { $0.running.append(name) }
            console.refresh()
        }
        hooks.register(.postNode, priority: -100) { [self] context in finished(context) }
        hooks.register(.onError, priority: -100) { [self] context in finished(context) }
        hooks.register(.nodeSkipped, priority: -100) { [self] context in finished(context) }
        hooks.register(.gateWaiting, priority: -100) { [self] context in
            guard let name = context.nodeName else { return }
            emit(waitingLine(gate: name))
        }
        hooks.register(.gateResolved, priority: -100) { [self] context in
            guard let name = context.nodeName else { return }
            let outcome = context.metadata["outcome"] ?? "resolved"
            let reason = context.metadata["reason"].map { " (\($0))" } ?? ""
            let tone: ConsoleStyle.Tone = outcome == "approved" ? .success : outcome == "rejected" ? .failure : .warning
            emit(
                style.paint(style.glyphs.resolved, tone)
                    + "  \(TerminalText.escaped(name)): gate \(outcome)\(TerminalText.escaped(reason))",
                escaping: false)
        }
        guard live else { return }
        console.showStatus { [self] in statusLine() }
        let timer = Task { [console] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: .milliseconds(100)) } catch { return }
                console.refresh()
            }
        }
        state.withTrackedLock { $0.timer = timer }
    }

    /// `⏸  approve-release: Deploy the release to production? approve with: dagron gate approve RUN approve-release`
    func waitingLine(gate name: String) -> String {
        let question = gateMessages[name].map { TerminalText.escaped($0) + " " } ?? "waiting for approval; "
        return style.paint(style.glyphs.waiting, .warning) + "  " + style.paint(TerminalText.escaped(name), .emphasis)
            + ": "
            + question
            + "approve with: dagron gate approve \(TerminalText.escaped(runDirectory)) \(TerminalText.escaped(name))"
    }

    /// Prints a line of its own (above the status line on a terminal).
    func emit(_ line: String) {
        emit(line, escaping: true)
    }

    /// Prints `line`, escaped unless it was built of escaped parts (and colour codes of our own).
    private func emit(_ line: String, escaping: Bool) {
        console.write((escaping ? TerminalText.escaped(line) : line) + "\n", to: .output)
    }

    private func finished(_ context: HookContext) {
        guard let result = context.nodeResult else { return }
        state.withTrackedLock { state in
            state.done += 1
            state.running.removeAll { $0 == result.name }
        }
        // One string, built in place: a node's line is printed for every node.
        var text = describe(result)
        if result.status == .failed || result.status == .timedOut, let tail = result.stderrTail, !tail.isEmpty {
            for line in tail.split(separator: "\n", omittingEmptySubsequences: false).suffix(10) {
                text += "\n     " + style.paint(style.glyphs.quote, .muted) + " " + TerminalText.escaped(String(line))
            }
        }
        text += "\n"
        console.write(text, to: .output)
    }

    /// The status line's text; called by the console, with its lock held.
    private func statusLine() -> String {
        let (done, running) = state.withTrackedLock { ($0.done, $0.running) }
        let elapsed = DurationText.format(seconds(since: started))
        var names = running.prefix(4).joined(separator: ", ")
        if running.count > 4 { names += " +\(running.count - 4)" }
        return "[\(done)/\(total)] \(elapsed)" + (names.isEmpty ? "" : "  running: \(TerminalText.escaped(names))")
    }

    /// Stops the status line and clears it.
    func stop() {
        let timer = state.withTrackedLock { state in
            defer { state.timer = nil }
            return state.timer
        }
        timer?.cancel()
        if live { console.hideStatus() }
    }

    /// Prints the final summary: counts, total time, the slowest nodes, the logs.
    func printSummary(_ report: RunReport, result: ExecutionResult) {
        stop()
        let counts = report.counts
        let verdict =
            switch report.outcome {
            case .succeeded: "succeeded"
            case .failed: "FAILED"
            case .interrupted: "INTERRUPTED"
            }
        var lines = [""]
        lines.append(
            style.paint(
                TerminalText.escaped("\(report.name) \(verdict)"), report.outcome == .succeeded ? .success : .failure)
                + " in \(DurationText.format(report.durationSeconds)): "
                + "\(counts.succeeded) succeeded, \(counts.failed) failed, \(counts.skipped) skipped, "
                + "\(counts.timedOut) timed out, \(counts.cancelled) cancelled")
        let slowest = result.slowest(3).filter { $0.durationSeconds > 0 }
        if !slowest.isEmpty {
            lines.append(
                "slowest: "
                    + TerminalText.escaped(
                        slowest.map { "\($0.name) \(DurationText.format($0.durationSeconds))" }.joined(separator: ", "))
            )
        }
        lines.append("logs: \(TerminalText.escaped(runDirectory))/logs")
        console.write(lines.joined(separator: "\n") + "\n", to: .output)
    }

    /// `✓  extract  1.2s`, `✗  load  failed: command exited with status 3  0.4s (2 attempts)`,
    /// `⊘  train  cancelled: fail-fast after 'load' failed  3.1s`, ...
    /// (escaped; the symbol from the locale's ``GlyphSet``, coloured when colour is on).
    func describe(_ result: NodeResult) -> String {
        let glyphs = style.glyphs
        let name = TerminalText.escaped(result.name)
        let duration = DurationText.format(result.durationSeconds)
        let attempts = result.attempts > 1 ? " (\(result.attempts) attempts)" : ""
        // Only failures show it: not worked out for the nodes that succeed.
        func error() -> String { TerminalText.escaped(result.errorMessage ?? "") }
        switch result.status {
        case .completed:
            return style.paint(glyphs.succeeded, .success) + "  \(name)  " + style.paint(duration, .muted) + attempts
        case .failed:
            let error = error()
            return style.paint(glyphs.failed, .failure) + "  \(name)  "
                + style.paint("failed: \(error.isEmpty ? "unknown error" : error)", .failure)
                + "  \(duration)\(attempts)"
        case .timedOut:
            return style.paint(glyphs.timedOut, .failure) + "  \(name)  "
                + style.paint("timed out: \(error())", .failure)
                + "  \(duration)\(attempts)"
        case .skipped:
            return style.paint(glyphs.skipped, .muted) + "  \(name)  skipped"
                + (result.skipReason.map { ": \(TerminalText.escaped($0))" } ?? "")
        case .cancelled:
            // Why, when it was not Ctrl-C: `cancelled: fail-fast after 'x' failed`.
            let reason = (result.error as? NodeCancelledError)?.reason.map { ": \(TerminalText.escaped($0))" } ?? ""
            return style.paint(glyphs.cancelled, .warning) + "  \(name)  cancelled\(reason)"
                + (result.durationSeconds > 0 ? "  \(duration)" : "")
        case .pending, .running:
            return "   \(name)  \(result.status.rawValue)"
        @unknown default:
            return "   \(name)  \(result.status.rawValue)"
        }
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
