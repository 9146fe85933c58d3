import Dagron
import DagronSDK
import Foundation
import TestSupport
import Testing

/// Ctrl-Z in a real terminal (tmux, an interactive bash with job control):
/// the whole run pauses, not only `dagron`, and `fg` continues it. Nodes
/// lead process groups of their own, which the terminal's stop signal does
/// not reach.
@Suite(.serialized) struct JobControlTests {
    /// `ticking` appends to `ticks` until `go` exists, with a timeout shorter
    /// than the time the test keeps the run stopped; `later` comes after it.
    private let pipeline = """
        nodes:
          ticking:
            run: 'echo $$ > ticking.pid; while [ ! -e go ]; do echo tick >> ticks; sleep 0.1; done'
            timeout: 5s
          later: {after: ticking, run: touch later-ran}
        """

    @Test func ctrlZPausesTheWholeRunAndFgContinuesIt() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        let terminal = try TmuxTerminal.start(
            "exec bash --norc --noprofile -i", in: scratch, environment: ["HISTFILE": scratch.path + "/history"])
        defer { terminal.stop() }
        try terminal.send(keys: [
            "cd \(PaneText.shellQuoted(scratch.path)) && \(PaneText.shellQuoted(DagronBinary.path)) run p.yml --run-dir run",
            "Enter",
        ])
        let started = waitUntil(timeout: 60) { scratch.read("ticks") != nil }
        #expect(started, "\((try? terminal.capture()) ?? "")")
        guard started else { return }
        let dagronPID = try RunDirectory.readJSON(RunManifest.self, from: scratch.path + "/run/run.json").processID
        let nodePID = try RunProcesses.pid(scratch, "ticking.pid")

        try terminal.send(keys: ["C-z"])
        let stopped = waitUntil(timeout: 30) { processState(dagronPID) == "T" && processState(nodePID) == "T" }
        #expect(
            stopped, "dagron \(processState(dagronPID) ?? "-"), node \(processState(nodePID) ?? "-") after Ctrl-Z")
        #expect(terminal.waitFor("Stopped", timeout: 30), "\((try? terminal.capture()) ?? "")")
        // Stopped, the node writes nothing, however long the run stays stopped
        // (longer than its timeout: the time stopped does not count).
        let ticks = scratch.read("ticks") ?? ""
        Thread.sleep(forTimeInterval: 6)
        #expect(scratch.read("ticks") == ticks, "the node went on while the run was stopped")
        #expect(scratch.read("later-ran") == nil)

        try scratch.write("go", "")
        try terminal.send(keys: ["fg; echo \"resumed run exited $?\"", "Enter"])
        #expect(terminal.waitFor("resumed run exited 0", timeout: 60), "\((try? terminal.capture()) ?? "")")
        let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/run/result.json")
        #expect(report.outcome == .succeeded)
        let statuses = Dictionary(uniqueKeysWithValues: report.nodes.map { ($0.name, $0.status) })
        #expect(statuses == ["ticking": .completed, "later": .completed], "\(statuses)")
        #expect(scratch.read("later-ran") != nil)
    }
}
