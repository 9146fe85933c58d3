import Dagron
import DagronSDK
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
/// live status line (done/total, running nodes, elapsed) redrawn a few times
/// a second. Elsewhere (CI, pipes): the same per-node lines, plain, and no
/// status line. ``printSummary(_:result:)`` ends either with counts and the slowest nodes.
///
/// Everything it prints passes through ``TerminalText/escaped(_:)``: node
/// output (the stderr tail), names and reasons read from files cannot send
/// control sequences to the terminal.
final class RunConsole: Sendable {
    private struct State {
        var done = 0
        var running: [String] = []
        var statusShown = false
        var timer: Task<Void, Never>?
    }

    private let live: Bool
    private let handle: FileHandle
    private let total: Int
    private let runDirectory: String
    private let started = ContinuousClock.now
    private let state = Mutex(State())

    /// Creates a console writing to `handle` (standard output, or standard
    /// error when `--json` owns standard output). `live` is decided from
    /// whether `handle` is a terminal unless `forcePlain`.
    init(handle: FileHandle, total: Int, runDirectory: String, forcePlain: Bool) {
        self.handle = handle
        self.total = total
        self.runDirectory = runDirectory
        let environment = ProcessInfo.processInfo.environment
        self.live = !forcePlain && isatty(handle.fileDescriptor) == 1 && environment["TERM"] != "dumb"
    }

    /// Registers the console's hooks on `hooks` and starts the status line.
    func attach(to hooks: HookRegistry) {
        hooks.register(.preNode, priority: -100) { [self] context in
            guard let name = context.nodeName else { return }
            state.withTrackedLock { $0.running.append(name) }
            redraw()
        }
        hooks.register(.postNode, priority: -100) { [self] context in finished(context) }
        hooks.register(.onError, priority: -100) { [self] context in finished(context) }
        hooks.register(.nodeSkipped, priority: -100) { [self] context in finished(context) }
        hooks.register(.gateWaiting, priority: -100) { [self] context in
            guard let name = context.nodeName else { return }
            emit("⏸  \(name): waiting for approval; approve with: dagron gate approve \(runDirectory) \(name)")
        }
        hooks.register(.gateResolved, priority: -100) { [self] context in
            guard let name = context.nodeName else { return }
            let outcome = context.metadata["outcome"] ?? "resolved"
            let reason = context.metadata["reason"].map { " (\($0))" } ?? ""
            emit("⏵  \(name): gate \(outcome)\(reason)")
        }
        guard live else { return }
        let timer = Task { [self] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: .milliseconds(250)) } catch { return }
                redraw()
            }
        }
        state.withTrackedLock { $0.timer = timer }
    }

    /// Prints a line of its own (above the status line on a terminal).
    func emit(_ line: String) {
        state.withTrackedLock { state in
            var text = ""
            if state.statusShown { text += "\r\u{1B}[2K" }
            text += TerminalText.escaped(line) + "\n"
            if live {
                text += statusLine(state)
                state.statusShown = true
            }
            try? handle.write(contentsOf: Data(text.utf8))
        }
    }

    private func finished(_ context: HookContext) {
        guard let result = context.nodeResult else { return }
        state.withTrackedLock { state in
            state.done += 1
            state.running.removeAll { $0 == result.name }
        }
        emit(Self.describe(result))
        if result.status == .failed || result.status == .timedOut, let tail = result.stderrTail, !tail.isEmpty {
            for line in tail.split(separator: "\n", omittingEmptySubsequences: false).suffix(10) {
                emit("     │ \(line)")
            }
        }
    }

    private func redraw() {
        guard live else { return }
        state.withTrackedLock { state in
            try? handle.write(contentsOf: Data(("\r\u{1B}[2K" + statusLine(state)).utf8))
            state.statusShown = true
        }
    }

    private func statusLine(_ state: State) -> String {
        let elapsed = DurationText.format(seconds(since: started))
        var running = state.running.prefix(4).joined(separator: ", ")
        if state.running.count > 4 { running += " +\(state.running.count - 4)" }
        return "[\(state.done)/\(total)] \(elapsed)" + (running.isEmpty ? "" : "  running: \(TerminalText.escaped(running))")
    }

    /// Stops the status line and clears it.
    func stop() {
        state.withTrackedLock { state in
            state.timer?.cancel()
            state.timer = nil
            if state.statusShown {
                try? handle.write(contentsOf: Data("\r\u{1B}[2K".utf8))
                state.statusShown = false
            }
        }
    }

    /// Prints the final summary: counts, total time, the slowest nodes, the logs.
    func printSummary(_ report: RunReport, result: ExecutionResult) {
        stop()
        let counts = report.counts
        var lines: [String] = []
        let verdict = switch report.outcome {
        case .succeeded: "succeeded"
        case .failed: "FAILED"
        case .interrupted: "INTERRUPTED"
        }
        lines.append("")
        lines.append("\(report.name) \(verdict) in \(DurationText.format(report.durationSeconds)): "
            + "\(counts.succeeded) succeeded, \(counts.failed) failed, \(counts.skipped) skipped, "
            + "\(counts.timedOut) timed out, \(counts.cancelled) cancelled")
        let slowest = result.slowest(3).filter { $0.durationSeconds > 0 }
        if !slowest.isEmpty {
            lines.append("slowest: " + slowest.map { "\($0.name) \(DurationText.format($0.durationSeconds))" }.joined(separator: ", "))
        }
        lines.append("logs: \(runDirectory)/logs")
        try? handle.write(contentsOf: Data((TerminalText.escaped(lines.joined(separator: "\n")) + "\n").utf8))
    }

    /// `✓ extract  1.2s`, `✗ load  failed: command exited with status 3  0.4s (2 attempts)`, ...
    static func describe(_ result: NodeResult) -> String {
        let duration = DurationText.format(result.durationSeconds)
        let attempts = result.attempts > 1 ? " (\(result.attempts) attempts)" : ""
        switch result.status {
        case .completed:
            return "✓  \(result.name)  \(duration)\(attempts)"
        case .failed:
            return "✗  \(result.name)  failed: \(result.errorMessage ?? "unknown error")  \(duration)\(attempts)"
        case .timedOut:
            return "⏱  \(result.name)  timed out: \(result.errorMessage ?? "")  \(duration)\(attempts)"
        case .skipped:
            return "-  \(result.name)  skipped" + (result.skipReason.map { ": \($0)" } ?? "")
        case .cancelled:
            return "⊘  \(result.name)  cancelled" + (result.durationSeconds > 0 ? "  \(duration)" : "")
        case .pending, .running:
            return "   \(result.name)  \(result.status.rawValue)"
        @unknown default:
            return "   \(result.name)  \(result.status.rawValue)"
        }
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
