import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// No process a node starts outlives the run: what stays in the node's
/// process group is killed when the node ends, success or failure, and what
/// leaves the group (`setsid`) is found by dagron as their subreaper and
/// killed when the run ends.
@Suite(.serialized) struct ProcessCleanupTests {
    /// Expects that nothing of the run whose nodes wrote their `DAGRON_RUN_DIR` to `rundir.txt` is alive.
    private func expectNothingLeft(_ scratch: Scratch, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let runDirectory = try RunProcesses.runDirectory(scratch, "rundir.txt", sourceLocation: sourceLocation)
        RunProcesses.expectNoneAlive(runDirectory: runDirectory, sourceLocation: sourceLocation)
    }

    @Test(arguments: [0, 3])
    func aBackgroundChildDiesWithItsNode(exitStatus: Int) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              starter:
                run: |
                  echo "$DAGRON_RUN_DIR" > rundir.txt
                  sleep 300 &
                  echo $! > child.pid
                  echo started
                  exit \(exitStatus)
              after:
                after: starter
                run: 'if kill -0 "$(cat child.pid)" 2>/dev/null; then echo alive > seen-alive; fi'
            fail_fast: false
            """)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path, timeout: 60)
        #expect(finished.status == (exitStatus == 0 ? 0 : 1), "\(finished.stderr)")
        let child = try RunProcesses.pid(scratch, "child.pid")
        #expect(!isRunning(child), "the background child outlived the run")
        if exitStatus == 0 {
            #expect(scratch.read("seen-alive") == nil, "the background child was still alive when the next node ran")
        }
        try expectNothingLeft(scratch)
    }

    @Test(arguments: [0, 4])
    func processesThatLeaveTheGroupAreKilledAtTheEndOfTheRun(exitStatus: Int) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // `setsid` moves the process into a session and group of its own; the
        // inner shell's child is two levels below and never in the node's group.
        try scratch.write(
            "p.yml",
            """
            nodes:
              escaper:
                run: |
                  echo "$DAGRON_RUN_DIR" > rundir.txt
                  setsid sleep 300 &
                  echo $! > escaped.pid
                  setsid sh -c 'sleep 301 & echo $! > deep.pid; wait' &
                  while [ ! -s deep.pid ]; do sleep 0.05; done
                  echo started
                  exit \(exitStatus)
            """)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path, timeout: 60)
        #expect(finished.status == (exitStatus == 0 ? 0 : 1), "\(finished.stderr)")
        for file in ["escaped.pid", "deep.pid"] {
            let pid = try RunProcesses.pid(scratch, file)
            #expect(!isRunning(pid), "process \(pid) from \(file) outlived the run")
        }
        #expect(
            finished.stderr.contains("outside their process groups"),
            "the sweep says what it killed: \(finished.stderr)")
        try expectNothingLeft(scratch)
    }

    @Test func failFastCancelsARunningNode() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            max_workers: 2
            nodes:
              long: {run: 'echo "$DAGRON_RUN_DIR" > rundir.txt; sleep 300 & echo $! > sleep.pid; wait'}
              bad: {run: 'while [ ! -s sleep.pid ]; do sleep 0.05; done; echo broken >&2; exit 3'}
              after: {run: touch never, after: long}
            """)
        let started = Date()
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path, timeout: 120)
        #expect(finished.status == 1, "\(finished.stderr)")
        #expect(Date().timeIntervalSince(started) < 60, "dagron waited for the running node")
        let sleeper = try RunProcesses.pid(scratch, "sleep.pid")
        #expect(!isRunning(sleeper), "the running node's sleep outlived the failure")
        let report = try scratch.report("run")
        #expect(report["outcome"] as? String == "failed")
        let nodes = nodesByName(report)
        #expect(nodes["bad"]?["status"] as? String == "failed")
        #expect(nodes["long"]?["status"] as? String == "cancelled")
        #expect(nodes["long"]?["error"] as? String == "node 'long' was cancelled: fail-fast after 'bad' failed")
        #expect(nodes["after"]?["status"] as? String == "skipped")
        #expect(scratch.read("never") == nil)
        #expect(
            (finished.stdout + finished.stderr).contains("long  cancelled: fail-fast after 'bad' failed"),
            "the console does not say why: \(finished.stdout)\(finished.stderr)")
        try expectNothingLeft(scratch)
    }

    @Test func processesThatAreNotTheRunsDescendantsAreLeftAlone() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/run", withIntermediateDirectories: true)
        // A process of the test's own, carrying the run's DAGRON_RUN_DIR: not dagron's to kill.
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/bin/sleep")
        bystander.arguments = ["300"]
        var environment = ProcessInfo.processInfo.environment
        environment["DAGRON_RUN_DIR"] = URL(fileURLWithPath: scratch.path + "/run").standardizedFileURL.path
        bystander.environment = environment
        try bystander.run()
        defer {
            // SIGKILL: the test runner may ignore SIGTERM, and children inherit that.
            kill(bystander.processIdentifier, SIGKILL)
            bystander.waitUntilExit()
        }
        try scratch.write(
            "p.yml",
            """
            nodes:
              escaper: {run: 'echo "$DAGRON_RUN_DIR" > rundir.txt; setsid sleep 300 & echo $! > escaped.pid'}
            """)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path, timeout: 60)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(!isRunning(try RunProcesses.pid(scratch, "escaped.pid")))
        #expect(isRunning(bystander.processIdentifier), "dagron killed a process that is not its descendant")
        #expect(try RunProcesses.runDirectory(scratch, "rundir.txt") == environment["DAGRON_RUN_DIR"])
    }

    @Test func aTermIgnoringLeftoverIsKilledAfterTheGracePeriod() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              stubborn:
                run: |
                  echo "$DAGRON_RUN_DIR" > rundir.txt
                  sh -c 'trap "" TERM; sleep 302' &
                  echo $! > stubborn.pid
                  setsid sh -c 'trap "" TERM; sleep 303' &
                  echo $! > escaped.pid
            """)
        let started = Date()
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path, timeout: 60)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        for file in ["stubborn.pid", "escaped.pid"] {
            #expect(
                !isRunning(try RunProcesses.pid(scratch, file)), "\(file): a process ignoring SIGTERM outlived the run")
        }
        try expectNothingLeft(scratch)
    }
}
