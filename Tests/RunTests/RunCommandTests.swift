import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `dagron run` end to end: the built binary on pipeline files written here.
@Suite(.serialized) struct RunCommandTests {
    /// A node command that records when it started and ended (nanoseconds).
    private func timed(_ name: String, sleep: String = "0.2") -> String {
        "date +%s%N > \(name).start; echo hello from \(name); echo \(name) says hi on stderr >&2; sleep \(sleep); date +%s%N > \(name).end"
    }

    private func stamp(_ scratch: Scratch, _ file: String) throws -> Int {
        let text = try #require(scratch.read(file), "\(file) was not written")
        return try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func dependenciesRunInOrderAndLogsAndJSONAreWritten() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              a: {run: "\(timed("a"))"}
              b: {after: a, run: "\(timed("b"))"}
              c: {after: a, run: "\(timed("c"))"}
              d: {after: [b, c], run: "\(timed("d"))"}
            """)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run", "--json"], in: scratch.path)
        #expect(finished.status == 0, "\(finished.stderr)")
        for (dependency, node) in [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")] {
            #expect(
                try stamp(scratch, "\(dependency).end") <= stamp(scratch, "\(node).start"),
                "\(node) started before \(dependency) ended")
        }
        #expect(scratch.read("run/logs/b.stdout.log") == "hello from b\n")
        #expect(scratch.read("run/logs/b.stderr.log") == "b says hi on stderr\n")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(finished.stdout.utf8)) as? [String: Any])
        #expect(json["outcome"] as? String == "succeeded")
        #expect(json["exitCode"] as? Int == 0)
        let counts = try #require(json["counts"] as? [String: Int])
        #expect(counts["succeeded"] == 4 && counts["total"] == 4 && counts["failed"] == 0)
        let nodes = nodesByName(json)
        #expect(nodes.keys.sorted() == ["a", "b", "c", "d"])
        for node in nodes.values {
            #expect(node["status"] as? String == "completed")
            #expect(node["attempts"] as? Int == 1)
            #expect(node["exitCode"] as? Int == 0)
            #expect((node["durationSeconds"] as? Double ?? 0) >= 0.2)
        }
        #expect((nodes["b"]?["stdoutLog"] as? String)?.hasSuffix("run/logs/b.stdout.log") == true)
        // The same report is kept in the run directory, with the manifest.
        #expect(try scratch.report()["outcome"] as? String == "succeeded")
        #expect(scratch.read("run/run.json")?.contains("\"nodes\"") == true)
        // --json keeps standard output for the JSON; progress went to standard error.
        #expect(finished.stderr.contains("✓  d"))
    }

    @Test func maxWorkersOneRunsNodesOneAtATime() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            max_workers: 1
            nodes:
              a: {run: "\(timed("a"))"}
              b: {run: "\(timed("b"))"}
              c: {run: "\(timed("c"))"}
            """)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(finished.status == 0, "\(finished.stderr)")
        let spans = try ["a", "b", "c"].map { (try stamp(scratch, "\($0).start"), try stamp(scratch, "\($0).end")) }
            .sorted { $0.0 < $1.0 }
        for (earlier, later) in zip(spans, spans.dropFirst()) {
            #expect(earlier.1 <= later.0, "two nodes overlapped with max_workers 1")
        }
    }

    @Test func aFailingNodeSkipsItsDependentsAndExitsOne() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            fail_fast: false
            nodes:
              fetch: {run: echo fetched}
              check:
                after: fetch
                run: |
                  echo checking
                  echo "line 1 of the complaint" >&2
                  echo "record 2: missing email" >&2
                  exit 3
              publish: {after: check, run: touch published}
              lint: {run: touch linted}
            """)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(finished.status == 1)
        #expect(finished.stdout.contains("✗  check  failed: command exited with status 3"))
        #expect(finished.stdout.contains("record 2: missing email"), "the stderr tail is shown")
        #expect(finished.stdout.contains("FAILED"))
        #expect(scratch.read("published") == nil)
        #expect(scratch.read("linted") != nil, "an independent branch runs on without fail_fast")
        let nodes = nodesByName(try scratch.report())
        #expect(nodes["check"]?["status"] as? String == "failed")
        #expect(nodes["check"]?["exitCode"] as? Int == 3)
        #expect(nodes["check"]?["stderrTail"] as? String == "line 1 of the complaint\nrecord 2: missing email")
        #expect(nodes["publish"]?["status"] as? String == "skipped")
        #expect((nodes["publish"]?["skipReason"] as? String)?.contains("check") == true)
        #expect(nodes["lint"]?["status"] as? String == "completed")
    }

    @Test func retriesTryAgainAndCountAttempts() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            fail_fast: false
            nodes:
              flaky:
                run: 'echo "attempt $DAGRON_ATTEMPT"; date +%s%N >> flaky.times; [ "$DAGRON_ATTEMPT" -ge 3 ] || { echo "not yet" >&2; exit 1; }'
                retries: {count: 3, delay: 300ms}
              hopeless:
                run: 'echo nope >&2; exit 9'
                retries: 1
            """)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(finished.status == 1)
        let nodes = nodesByName(try scratch.report())
        #expect(nodes["flaky"]?["status"] as? String == "completed")
        #expect(nodes["flaky"]?["attempts"] as? Int == 3)
        #expect(nodes["hopeless"]?["status"] as? String == "failed")
        #expect(nodes["hopeless"]?["attempts"] as? Int == 2)
        #expect(nodes["hopeless"]?["exitCode"] as? Int == 9)
        #expect(
            scratch.read("run/logs/flaky.stdout.log")
                == "attempt 1\n--- attempt 2 ---\nattempt 2\n--- attempt 3 ---\nattempt 3\n")
        let times = (scratch.read("flaky.times") ?? "").split(separator: "\n").compactMap { Int($0) }
        #expect(times.count == 3)
        for (first, second) in zip(times, times.dropFirst()) {
            #expect(second - first >= 250_000_000, "the retry delay was not respected")
        }
    }

    @Test func aTimeoutKillsTheWholeProcessGroup() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              stuck:
                run: 'echo "still waiting for the lock" >&2; sleep 300 & echo $! > child.pid; sh -c "sleep 301" & echo $! > grandchild.pid; wait'
                timeout: 1s
                retries: 1
              after-stuck: {after: stuck, run: touch ran}
            """)
        let started = Date()
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(finished.status == 1)
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(finished.stdout.contains("⏱  stuck  timed out"))
        let nodes = nodesByName(try scratch.report())
        #expect(nodes["stuck"]?["status"] as? String == "timed_out")
        #expect(nodes["stuck"]?["attempts"] as? Int == 2, "a timed-out attempt is retried")
        let tail = nodes["stuck"]?["stderrTail"] as? String
        #expect(
            tail?.contains("still waiting for the lock") == true,
            "a timed-out node keeps its stderr tail: \(String(describing: tail))")
        #expect(nodes["after-stuck"]?["status"] as? String == "skipped")
        #expect(scratch.read("ran") == nil)
        for file in ["child.pid", "grandchild.pid"] {
            let pid = try #require(Int32((scratch.read(file) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(waitUntil(timeout: 10) { !isRunning(pid) }, "process \(pid) from \(file) outlived the timeout")
        }
    }

    /// SIGHUP is what a run gets when its terminal goes away: the same clean stop.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func anInterruptCancelsCleanly(signal: Int32) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              long: {run: 'sleep 300 & echo $! > child.pid; touch started; wait'}
              stubborn: {run: 'trap "" TERM; sleep 302'}
              later: {after: long, run: touch later-ran}
            """)
        let run = try DagronProcess(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(waitUntil(timeout: 30) { scratch.read("started") != nil && scratch.read("child.pid") != nil })
        run.send(signal)
        let finished = try run.wait(timeout: 60)
        #expect(finished.status == 130)
        #expect(finished.stdout.contains("INTERRUPTED"), "a summary is still printed")
        #expect(finished.stdout.contains("3 cancelled"))
        let report = try scratch.report()
        #expect(report["outcome"] as? String == "interrupted")
        let nodes = nodesByName(report)
        #expect(nodes["long"]?["status"] as? String == "cancelled")
        #expect(nodes["stubborn"]?["status"] as? String == "cancelled")
        #expect(nodes["later"]?["status"] as? String == "cancelled")
        #expect(scratch.read("later-ran") == nil)
        let pid = try #require(Int32((scratch.read("child.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(waitUntil(timeout: 10) { !isRunning(pid) }, "a child outlived the interrupted run")
    }

    /// The signals that end a run other than by one interrupt, sent 0.2 s
    /// apart: a second Ctrl-C kills what is left and exits at once; a
    /// second hangup does not (a hangup often comes twice, from the kernel
    /// and from a shell passing it on to its jobs), the run stops in order;
    /// Ctrl-\\ (SIGQUIT) quits at once, where dying of it (the default) would
    /// leave the nodes running and write no result. Every way, nothing of
    /// the run is left and `result.json` says interrupted.
    @Test(arguments: [[SIGINT, SIGINT], [SIGHUP, SIGHUP], [SIGQUIT]])
    func signalsThatEndARun(_ signals: [Int32]) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // The command ignores SIGTERM, so an orderly stop waits for the SIGKILL that follows it.
        try scratch.write(
            "p.yml",
            """
            nodes:
              stubborn: {run: 'trap "" TERM; sleep 303 & echo $! > child.pid; wait; wait'}
              later: {after: stubborn, run: touch later-ran}
            """)
        let run = try DagronProcess(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(waitUntil(timeout: 30) { scratch.read("child.pid") != nil })
        for (index, signal) in signals.enumerated() {
            if index > 0 { Thread.sleep(forTimeInterval: 0.2) }
            run.send(signal)
        }
        let finished = try run.wait(timeout: 60)
        #expect(finished.signal == nil && finished.status == 130, "\(finished.stderr)")
        switch signals.first {
        case SIGHUP:
            #expect(finished.stdout.contains("SIGHUP (the terminal went away) received"), "\(finished.stdout)")
            #expect(!finished.stderr.contains("interrupted again"), "\(finished.stderr)")
            #expect(finished.stdout.contains("INTERRUPTED"), "the orderly stop prints the summary")
        case SIGQUIT:
            #expect(finished.stderr.contains("SIGQUIT: killing running commands"), "\(finished.stderr)")
        default:
            #expect(finished.stderr.contains("interrupted again"), "\(finished.stderr)")
        }
        let report = try scratch.report()
        #expect(report["outcome"] as? String == "interrupted")
        let nodes = nodesByName(report)
        #expect(nodes["stubborn"]?["status"] as? String == "cancelled")
        #expect(nodes["later"]?["status"] as? String == "cancelled")
        #expect(scratch.read("later-ran") == nil)
        let pid = try #require(Int32((scratch.read("child.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(waitUntil(timeout: 10) { !isRunning(pid) }, "a child outlived the run")
    }

    @Test func usageAndPipelineErrorsExitTwo() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "bad.yml",
            """
            nodes:
              a:
                run: touch ran
                after: [ghost]
            """)
        let bad = try dagron(["run", "bad.yml"], in: scratch.path)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.yml:4:12: nodes.a.after: unknown node 'ghost'"))
        #expect(scratch.read("ran") == nil)
        #expect(try dagron(["run", "missing.yml"], in: scratch.path).status == 2)
        #expect(try dagron(["run", "bad.yml", "--no-such-flag"], in: scratch.path).status == 2)
        #expect(try dagron(["run"], in: scratch.path).status == 2)
        let validate = try dagron(["validate", "bad.yml"], in: scratch.path)
        #expect(validate.status == 2)
        #expect(validate.stderr.contains("bad.yml:4:12: nodes.a.after"))
    }

    @Test func validateAndGraphDescribeAGoodFile() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              build: {run: make}
              "ship it": {after: build, gate: true}
              deploy: {after: "ship it", run: ./deploy}
            """)
        let validate = try dagron(["validate", "p.yml"], in: scratch.path)
        #expect(validate.status == 2, "a space is not allowed in a node name")
        try scratch.write(
            "p.yml",
            """
            nodes:
              build: {run: make}
              ship: {after: build, gate: true}
              deploy: {after: ship, run: ./deploy}
            """)
        let ok = try dagron(["validate", "p.yml"], in: scratch.path)
        #expect(ok.status == 0)
        #expect(ok.stdout == "p.yml: ok: 3 nodes (1 gate), 2 dependencies\n")
        let dot = try dagron(["graph", "p.yml", "--format", "dot"], in: scratch.path)
        #expect(dot.status == 0)
        #expect(dot.stdout.contains("\"build\" -> \"ship\";"))
        #expect(dot.stdout.contains("\"ship\" [label=\"ship\" shape=diamond];"))
        let mermaid = try dagron(["graph", "p.yml", "--format", "mermaid"], in: scratch.path)
        #expect(
            mermaid.stdout
                == "flowchart LR\n  n0[\"build\"]\n  n1{\"ship\"}\n  n2[\"deploy\"]\n  n0 --> n1\n  n1 --> n2\n")
        #expect(try dagron(["graph", "p.yml", "--format", "png"], in: scratch.path).status == 2)
    }

    @Test func environmentAndWorkingDirectoryReachTheCommand() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/sub", withIntermediateDirectories: true)
        try scratch.write(
            "p.yml",
            """
            env: {GREETING: hello, WHO: world}
            nodes:
              a:
                cwd: sub
                env: {WHO: node}
                run: 'echo "$GREETING $WHO $DAGRON_NODE" > out.txt; pwd >> out.txt'
            """)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(finished.status == 0, "\(finished.stderr)")
        let resolved = URL(fileURLWithPath: scratch.path + "/sub").resolvingSymlinksInPath().path
        #expect(scratch.read("sub/out.txt") == "hello node a\n\(resolved)\n")
    }
}
