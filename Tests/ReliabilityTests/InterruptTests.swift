import Dagron
import DagronSDK
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM/SIGINT end a run even when a plugin hook never returns: after the
/// grace period dagron writes result.json from what it knows, kills every
/// node's processes and exits 130.
@Suite(.serialized) struct InterruptTests {
    /// `busy` runs until killed (with a child in its group and one that left
    /// it); `trigger` ends once `busy` has started both; `never` comes after `trigger`.
    private let pipeline = """
        max_workers: 3
        nodes:
          busy:
            run: |
              echo "$DAGRON_RUN_DIR" > rundir.txt
              echo $$ > busy.pid
              sleep 300 &
              echo $! > busy-child.pid
              setsid sleep 301 &
              echo $! > busy-escaped.pid
              wait
          trigger:
            run: 'while [ ! -s busy-escaped.pid ]; do sleep 0.05; done; echo done'
          never: {after: trigger, run: touch never-ran}
        """

    private func expectNothingLeft(_ scratch: Scratch, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for file in ["busy.pid", "busy-child.pid", "busy-escaped.pid"] {
            let pid = try RunProcesses.pid(scratch, file, sourceLocation: sourceLocation)
            #expect(
                waitUntil(timeout: 5) { !isRunning(pid) }, "\(file): process \(pid) outlived the run",
                sourceLocation: sourceLocation)
        }
        let left = RunProcesses.alive(
            runDirectory: try RunProcesses.runDirectory(scratch, "rundir.txt", sourceLocation: sourceLocation))
        #expect(left.isEmpty, "processes of the run outlived it: \(left)", sourceLocation: sourceLocation)
        RunProcesses.kill(left)
    }

    /// The hook that hangs, and the node it hangs on: `pre_node` of `never`
    /// (after `trigger` completed) or `post_node` of `trigger`.
    @Test(arguments: [("post_node", "trigger"), ("pre_node", "never")])
    func aHungHookCannotKeepDagronFromExiting(hook: String, node: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        let arguments =
            try ["run", "p.yml", "--run-dir", "run", "--json"]
            + MisbehavingPlugin.arguments(["hang": hook, "node": node, "marker": scratch.path + "/hung"])
        let run = try DagronProcess(arguments, in: scratch.path, environment: ["DAGRON_INTERRUPT_GRACE": "1s"])
        let hung = waitUntil(timeout: 60) { scratch.read("hung") != nil }
        #expect(hung, "the hook never ran")
        guard hung else {
            run.send(SIGKILL)
            _ = try? run.wait(timeout: 10)
            return
        }
        let signalled = Date()
        run.send(SIGTERM)
        let finished = try run.wait(timeout: 60)
        #expect(finished.status == 130, "\(finished.stderr)")
        #expect(Date().timeIntervalSince(signalled) < 30, "dagron took too long after the grace period")
        #expect(finished.stderr.contains("did not stop within 1.0s"), "\(finished.stderr)")

        // result.json is valid and readable by the ordinary reader.
        let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/run/result.json")
        #expect(report.outcome == .interrupted)
        #expect(report.exitCode == 130)
        #expect(report.counts.total == 3)
        let statuses = Dictionary(uniqueKeysWithValues: report.nodes.map { ($0.name, $0.status) })
        #expect(statuses == ["busy": .cancelled, "trigger": .completed, "never": .cancelled], "\(statuses)")
        #expect(scratch.read("never-ran") == nil)
        // --json: the same document on standard output, and nothing else there.
        let printed = try JSONDecoder().decode(RunReport.self, from: Data(finished.stdout.utf8))
        #expect(printed.outcome == .interrupted && printed.exitCode == 130)
        try expectNothingLeft(scratch)
    }

    @Test func aTeardownThatHangsAfterAnInterruptStillEndsWithTheResultWritten() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        let arguments =
            try ["run", "p.yml", "--run-dir", "run"]
            + MisbehavingPlugin.arguments(["hang": "teardown", "marker": scratch.path + "/hung"])
        let run = try DagronProcess(arguments, in: scratch.path, environment: ["DAGRON_INTERRUPT_GRACE": "2s"])
        #expect(waitUntil(timeout: 60) { scratch.read("never-ran") != nil || scratch.read("busy-escaped.pid") != nil })
        run.send(SIGINT)
        let finished = try run.wait(timeout: 60)
        #expect(finished.status == 130, "\(finished.stderr)")
        #expect(scratch.read("hung") != nil, "the teardown was reached")
        let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/run/result.json")
        #expect(report.outcome == .interrupted)
        #expect(report.nodes.first { $0.name == "busy" }?.status == .cancelled)
        try expectNothingLeft(scratch)
    }

    /// The terminal goes away under a running `dagron run` (an SSH
    /// connection drops, a window is closed): the hangup stops the run as
    /// Ctrl-C does, although every later write to the terminal fails.
    /// Nodes run in process groups of their own, so the hangup does not
    /// reach them: dying of it, dagron would leave them running and never
    /// write `result.json`.
    @Test func aTerminalThatGoesAwayStopsTheRunInOrder() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        let terminal = try TmuxTerminal.start(
            """
            cd \(PaneText.shellQuoted(scratch.path))
            \(PaneText.shellQuoted(DagronBinary.path)) run p.yml --run-dir run
            echo "run exited $?"
            """, in: scratch)
        defer { terminal.stop() }
        let started = waitUntil(timeout: 60) { scratch.read("busy-escaped.pid") != nil }
        #expect(started, "\((try? terminal.capture()) ?? "")")
        guard started else { return }
        let dagronPID = try RunDirectory.readJSON(RunManifest.self, from: scratch.path + "/run/run.json").processID
        terminal.stop()

        #expect(waitUntil(timeout: 60) { !isRunning(dagronPID) }, "dagron outlived its terminal")
        let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/run/result.json")
        #expect(report.outcome == .interrupted)
        #expect(report.exitCode == 130)
        #expect(report.nodes.first { $0.name == "busy" }?.status == .cancelled, "\(report.nodes)")
        try expectNothingLeft(scratch)
    }

    @Test func aMalformedGracePeriodIsAUsageError() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: touch ran}\n")
        let flag = try dagron(["run", "p.yml", "--interrupt-grace", "soon"], in: scratch.path)
        #expect(flag.status == 2)
        #expect(flag.stderr.contains("--interrupt-grace: expected a duration"), "\(flag.stderr)")
        let variable = try dagron(["run", "p.yml"], in: scratch.path, environment: ["DAGRON_INTERRUPT_GRACE": "-3s"])
        #expect(variable.status == 2)
        #expect(variable.stderr.contains("DAGRON_INTERRUPT_GRACE: expected a duration"), "\(variable.stderr)")
        #expect(scratch.read("ran") == nil)
    }
}
