import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `dagron run` with the bundled `slurm` executor against the real cluster
/// `scripts/test.sh` starts: every command node is a Slurm job, checked
/// through `scontrol` and `squeue` against the job ids in `result.json`.
@Suite("dagron run on a real Slurm cluster", .serialized)
struct SlurmRunTests {
    /// The slurm executor's settings for the tests: a short poll interval.
    static let slurmSettings = """
        plugins:
          slurm:
            poll_interval: 0.3
        """

    /// A run directory name of its own, so each test's jobs have their own name (`dagron-<run dir>`).
    private static func runName() -> String { "run-" + UUID().uuidString.prefix(8).lowercased() }

    private func run(_ arguments: [String], in scratch: Scratch, timeout: Double = 180) throws -> Finished {
        try dagron(arguments + ["--plugin-path", DagronBinary.directory], in: scratch.path, timeout: timeout)
    }

    /// The recorder's lines without their times, in order.
    private func events(_ scratch: Scratch, _ file: String) throws -> [String] {
        let text = try #require(scratch.read(file))
        return try text.split(separator: "\n").map { line in
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            object["time"] = nil
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    @Test("a diamond: every node is a Slurm job of the run, and hooks see what they see locally")
    func diamond() throws {
        try SlurmCluster.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let nodes = """
            max_workers: 1
            nodes:
              a: {run: 'echo $DAGRON_NODE > a.out; echo note-a >&2'}
              b: {run: 'cat a.out > b.out; echo b >> b.out', after: a}
              c: {run: 'cat a.out > c.out; echo c >> c.out', after: a}
              d: {run: 'cat b.out c.out > d.out; echo done', after: [b, c]}
            """
        try scratch.write("local.yml", nodes)
        try scratch.write("slurm.yml", "executor: slurm\n\(Self.slurmSettings)\n\(nodes)")
        let recorder = { (file: String) in ["--plugin", "event-recorder", "--set", "event-recorder.file=\(scratch.path)/\(file)"] }
        let local = try run(["run", "local.yml", "--run-dir", "local"] + recorder("local.jsonl"), in: scratch)
        #expect(local.status == 0, "\(local.stderr)")
        let runDir = Self.runName()
        let slurm = try run(["run", "slurm.yml", "--run-dir", runDir] + recorder("slurm.jsonl"), in: scratch)
        #expect(slurm.status == 0, "\(slurm.stderr)")
        #expect(scratch.read("d.out") == "a\nb\na\nc\n")

        let nodesByRun = nodesByName(try scratch.report(runDir))
        for name in ["a", "b", "c", "d"] {
            let node = try #require(nodesByRun[name])
            #expect(node["executor"] as? String == "slurm")
            let id = try #require(node["jobId"] as? String, "\(name) has no job id: \(node)")
            let job = try SlurmCluster.job(id)
            #expect(job["JobState"] == "COMPLETED", "\(name): \(job)")
            #expect(job["ExitCode"] == "0:0")
            #expect(job["JobName"] == "dagron-\(runDir)")
        }
        #expect(scratch.read("\(runDir)/logs/d.stdout.log") == "done\n")
        #expect(scratch.read("\(runDir)/logs/a.stderr.log") == "note-a\n")
        // Hooks fire exactly as for local nodes: same events, same order, same values.
        #expect(try events(scratch, "slurm.jsonl") == events(scratch, "local.jsonl"))
        #expect(try SlurmCluster.queue(name: "dagron-\(runDir)").isEmpty)
    }

    @Test("a failing job: its exit code and stderr reach the result, its dependents are skipped")
    func failureWithSkips() throws {
        try SlurmCluster.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", """
            executor: slurm
            fail_fast: false
            \(Self.slurmSettings)
            nodes:
              a: {run: "true"}
              b: {run: 'echo boom >&2; exit 3', after: a}
              c: {run: "true", after: b}
              d: {run: "true", after: a}
            """)
        let runDir = Self.runName()
        let finished = try run(["run", "p.yml", "--run-dir", runDir], in: scratch)
        #expect(finished.status == 1, "\(finished.stderr)")
        let nodes = nodesByName(try scratch.report(runDir))
        #expect(nodes["b"]?["status"] as? String == "failed")
        #expect(nodes["b"]?["exitCode"] as? Int == 3)
        #expect((nodes["b"]?["stderrTail"] as? String)?.contains("boom") == true)
        #expect(nodes["c"]?["status"] as? String == "skipped")
        #expect(nodes["c"]?["jobId"] == nil)
        #expect(nodes["d"]?["status"] as? String == "completed")
        let job = try SlurmCluster.job(try #require(nodes["b"]?["jobId"] as? String))
        #expect(job["JobState"] == "FAILED", "\(job)")
        #expect(job["ExitCode"] == "3:0")
    }

    @Test("a node timeout cancels its job: timed_out, the job CANCELLED, nothing left in the queue")
    func timeoutCancelsTheJob() throws {
        try SlurmCluster.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              slow: {run: 'echo started; sleep 300', timeout: 4s}
            """)
        let runDir = Self.runName()
        let finished = try run(["run", "p.yml", "--run-dir", runDir], in: scratch)
        #expect(finished.status == 1, "\(finished.stderr)")
        let node = try #require(nodesByName(try scratch.report(runDir))["slow"])
        #expect(node["status"] as? String == "timed_out", "\(node)")
        let id = try #require(node["jobId"] as? String, "\(node)")
        #expect(waitUntil(timeout: 30) { (try? SlurmCluster.job(id)["JobState"]) == "CANCELLED" }, "\((try? SlurmCluster.job(id)) ?? [:])")
        #expect(try SlurmCluster.queue(name: "dagron-\(runDir)").isEmpty)
    }

    @Test("Ctrl-C during a run: exit 130, every job cancelled, the queue empty")
    func interrupt() throws {
        try SlurmCluster.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              one: {run: sleep 300}
              two: {run: sleep 300}
              three: {run: sleep 300}
              after: {run: touch never, after: [one, two, three]}
            """)
        let runDir = Self.runName()
        let process = try DagronProcess(["run", "p.yml", "--run-dir", runDir, "--plugin-path", DagronBinary.directory], in: scratch.path)
        let name = "dagron-\(runDir)"
        let running = waitUntil(timeout: 60) { ((try? SlurmCluster.queue(name: name)) ?? []).filter { $0.hasSuffix("RUNNING") }.count == 3 }
        #expect(running, "three jobs never ran: \((try? SlurmCluster.queue(name: name)) ?? [])")
        process.send(SIGINT)
        let finished = try process.wait(timeout: 90)
        #expect(finished.status == 130, "\(finished.stderr)")
        #expect(try SlurmCluster.queue(name: name).isEmpty, "jobs left in the queue after dagron exited")
        let report = try scratch.report(runDir)
        #expect(report["outcome"] as? String == "interrupted")
        let nodes = nodesByName(report)
        for node in ["one", "two", "three"] {
            let id = try #require(nodes[node]?["jobId"] as? String, "\(node): \(nodes[node] ?? [:])")
            #expect(try SlurmCluster.job(id)["JobState"] == "CANCELLED")
        }
        #expect(scratch.read("never") == nil)
    }

    @Test("resources reach sbatch: CPUs, memory and time limit as scontrol shows them")
    func resources() throws {
        try SlurmCluster.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              sized:
                run: echo sized
                resources: {cpus: 2, mem: 100M, time: 4m30s}
            """)
        let runDir = Self.runName()
        let finished = try run(["run", "p.yml", "--run-dir", runDir], in: scratch)
        #expect(finished.status == 0, "\(finished.stderr)")
        let id = try #require(nodesByName(try scratch.report(runDir))["sized"]?["jobId"] as? String)
        let job = try SlurmCluster.job(id)
        #expect(job["NumCPUs"] == "2", "\(job)")
        #expect(job["TimeLimit"] == "00:05:00", "rounded up to whole minutes: \(job)")
        #expect(job["MinMemoryNode"] == "100M" || job["MinMemoryCPU"] == "50M", "\(job)")
    }

    @Test("a retried node submits a new job per attempt; the result names the last one")
    func retries() throws {
        try SlurmCluster.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              flaky:
                run: 'echo attempt $DAGRON_ATTEMPT; [ "$DAGRON_ATTEMPT" = 2 ] || exit 1'
                retries: {count: 2, delay: 100ms}
            """)
        let runDir = Self.runName()
        let finished = try run(["run", "p.yml", "--run-dir", runDir], in: scratch)
        #expect(finished.status == 0, "\(finished.stderr)")
        let node = try #require(nodesByName(try scratch.report(runDir))["flaky"])
        #expect(node["attempts"] as? Int == 2)
        let id = try #require(node["jobId"] as? String)
        #expect(try SlurmCluster.job(id)["JobState"] == "COMPLETED")
        #expect(try SlurmCluster.job(String((Int(id) ?? 1) - 1))["JobState"] == "FAILED", "the first attempt's job")
        #expect(scratch.read("\(runDir)/logs/flaky.stdout.log") == "attempt 1\n--- attempt 2 ---\nattempt 2\n")
    }

    @Test("a mixed pipeline: local and Slurm nodes feed each other")
    func mixed() throws {
        try SlurmCluster.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              prepare: {run: 'echo input > input.txt', executor: local}
              crunch: {run: 'tr a-z A-Z < input.txt > output.txt', after: prepare}
              report: {run: 'cat output.txt', executor: local, after: crunch}
            """)
        let runDir = Self.runName()
        // --isolate-all isolates hook plugins; the executor stays in dagron's process.
        let finished = try run(
            ["run", "p.yml", "--run-dir", runDir, "--isolate-all", "--plugin", "event-recorder",
             "--set", "event-recorder.file=\(scratch.path)/events.jsonl"], in: scratch)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(scratch.read("events.jsonl")?.contains("\"node\":\"crunch\"") == true)
        let nodes = nodesByName(try scratch.report(runDir))
        #expect(nodes["prepare"]?["executor"] as? String == "local")
        #expect(nodes["prepare"]?["jobId"] == nil)
        #expect(nodes["crunch"]?["executor"] as? String == "slurm")
        #expect(nodes["crunch"]?["jobId"] is String)
        #expect(scratch.read("\(runDir)/logs/report.stdout.log") == "INPUT\n")
    }

    @Test("the timing and dashboard plugins on a Slurm run; the gate stays in dagron and is approved over HTTP")
    func timingAndDashboard() throws {
        try SlurmCluster.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", """
            executor: slurm
            plugins:
              slurm:
                poll_interval: 0.3
              timing:
                json: \(scratch.path)/timing.json
              dashboard:
                port: 0
                open_browser: false
                url_file: \(scratch.path)/dashboard.url
            nodes:
              build: {run: sleep 1}
              approve: {gate: {message: Ship it?, timeout: 120s}, after: build}
              ship: {run: echo shipped, after: approve}
            """)
        let runDir = Self.runName()
        let process = try DagronProcess(["run", "p.yml", "--run-dir", runDir, "--plugin-path", DagronBinary.directory], in: scratch.path)
        #expect(waitUntil(timeout: 60) { scratch.read("dashboard.url") != nil })
        let base = try #require(scratch.read("dashboard.url")?.trimmingCharacters(in: .whitespacesAndNewlines))
        let url = try #require(URLComponents(string: base))
        let token = try #require(url.queryItems?.first { $0.name == "token" }?.value)
        let origin = "http://\(url.host ?? ""):\(url.port ?? 0)"
        let waiting = waitUntil(timeout: 60) {
            guard let state = try? SlurmCluster.command(["curl", "-fsS", "\(origin)/api/state?token=\(token)"]).stdout,
                  let object = try? JSONSerialization.jsonObject(with: Data(state.utf8)) as? [String: Any]
            else { return false }
            return (object["waitingGates"] as? [String]) == ["approve"]
        }
        #expect(waiting, "the dashboard never showed the gate waiting")
        let approved = try SlurmCluster.command(["curl", "-fsS", "-X", "POST", "\(origin)/api/gates/approve/approve?token=\(token)"])
        #expect(approved.status == 0)
        let finished = try process.wait(timeout: 120)
        #expect(finished.status == 0, "\(finished.stderr)")
        let nodes = nodesByName(try scratch.report(runDir))
        #expect(nodes["ship"]?["jobId"] is String)
        #expect(nodes["approve"]?["executor"] == nil)
        let timing = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path + "/timing.json"))) as? [String: Any])
        let timed = (timing["nodes"] as? [[String: Any]] ?? []).compactMap { $0["node"] as? String }
        #expect(Set(timed) == ["build", "approve", "ship"], "\(timing)")
        #expect(scratch.read("\(runDir)/logs/ship.stdout.log") == "shipped\n")
    }
}
