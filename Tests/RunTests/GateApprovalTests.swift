import Foundation
import TestSupport
import Testing

/// Gates decided from another process with `dagron gate approve|reject`.
@Suite(.serialized) struct GateApprovalTests {
    private let pipeline = """
        nodes:
          build: {run: touch built}
          release:
            after: build
            gate: {message: Ship it?, timeout: 5m}
          deploy: {after: release, run: 'date +%s%N > deployed'}
        """

    private func waitForGate(_ scratch: Scratch) -> Bool {
        waitUntil(timeout: 60) { scratch.read("run/gates/release.status")?.contains("\"waiting\"") == true }
    }

    @Test func aGateApprovedFromAnotherProcessLetsTheRunFinish() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        let run = try DagronProcess(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(waitForGate(scratch), "the gate never started waiting")
        #expect(scratch.read("deployed") == nil, "deploy ran before approval")
        let list = try dagron(["gate", "list", "run"], in: scratch.path)
        #expect(list.stdout.contains("release  waiting  Ship it?"))

        let wrong = try dagron(["gate", "approve", "run", "relase"], in: scratch.path)
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("no gate named 'relase'; gates: release"))

        let approvedAt = Int(Date().timeIntervalSince1970 * 1e9)
        let approve = try dagron(["gate", "approve", "run", "release"], in: scratch.path)
        #expect(approve.status == 0, "\(approve.stderr)")
        #expect(approve.stdout.contains("gate 'release' approved"))
        let finished = try run.wait(timeout: 60)
        #expect(finished.status == 0, "\(finished.stdout)\(finished.stderr)")
        #expect(finished.stdout.contains("release: gate approved"))
        let deployed = try #require(
            Int((scratch.read("deployed") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(deployed >= approvedAt)
        let nodes = nodesByName(try scratch.report())
        #expect(nodes["release"]?["status"] as? String == "completed")
        #expect(nodes["release"]?["gate"] as? Bool == true)

        let again = try dagron(["gate", "approve", "run", "release"], in: scratch.path)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already approved"))
    }

    /// A message with terminal control sequences (a title change, a bell)
    /// is listed with them escaped, as the run's own console shows it.
    @Test func gateListEscapesControlCharacters() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  g: {gate: {message: \"hi\\e]0;pwn\\a\\e[2J\", timeout: 1s}}\n")
        let run = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(run.status == 1, "the gate times out: \(run.stderr)")
        let list = try dagron(["gate", "list", "run"], in: scratch.path)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(!list.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(list.stdout)")
        #expect(list.stdout.contains("hi\\x1b]0;pwn\\x07\\x1b[2J"), "\(list.stdout)")
    }

    @Test func aRejectedGateFailsTheRunAndSkipsItsDependents() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        let run = try DagronProcess(["run", "p.yml", "--run-dir", "run", "--json"], in: scratch.path)
        #expect(waitForGate(scratch))
        let reject = try dagron(["gate", "reject", "run", "release", "--reason", "freeze week"], in: scratch.path)
        #expect(reject.status == 0, "\(reject.stdout)\(reject.stderr)")
        let finished = try run.wait(timeout: 60)
        #expect(finished.status == 1)
        #expect(scratch.read("deployed") == nil)
        let nodes = nodesByName(try scratch.report())
        #expect(nodes["release"]?["status"] as? String == "failed")
        #expect((nodes["release"]?["error"] as? String)?.contains("freeze week") == true)
        #expect(nodes["deploy"]?["status"] as? String == "skipped")
        let late = try dagron(["gate", "approve", "run", "release"], in: scratch.path)
        #expect(late.status == 1)
        #expect(late.stderr.contains("already rejected"))
    }

    @Test func aDecisionForARunThatIsNotRunningIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/run/gates", withIntermediateDirectories: true)
        // A run directory left behind by a dagron that was killed: its process is gone.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        try scratch.write(
            "run/run.json",
            """
            {"pipeline": "p.yml", "name": "p", "processID": \(gone.processIdentifier), "startedAt": 0,
             "nodes": ["release"], "gates": {"release": ""}}
            """)
        let refused = try dagron(["gate", "approve", "run", "release"], in: scratch.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is not running"))
        #expect(scratch.read("run/gates/release.decision") == nil)
        let notARun = try dagron(["gate", "approve", ".", "release"], in: scratch.path)
        #expect(notARun.status == 2)
        #expect(notARun.stderr.contains("not a dagron run directory"))
    }

    @Test func anInterruptWhileAGateWaitsCancelsIt() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        let run = try DagronProcess(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(waitForGate(scratch))
        run.send(SIGINT)
        let finished = try run.wait(timeout: 60)
        #expect(finished.status == 130)
        let nodes = nodesByName(try scratch.report())
        #expect(nodes["release"]?["status"] as? String == "cancelled")
        #expect(nodes["deploy"]?["status"] as? String == "cancelled")
        #expect(scratch.read("deployed") == nil)
    }

    @Test func aGateTimesOutWithoutADecision() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              wait: {gate: {timeout: 500ms}}
              after: {after: wait, run: touch ran}
            """)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(finished.status == 1)
        #expect(nodesByName(try scratch.report())["wait"]?["status"] as? String == "timed_out")
        #expect(scratch.read("ran") == nil)
    }
}
