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

    /// One test's run: a scratch folder holding `p.yml`, and a run directory
    /// name of its own, so each test's jobs have their own name (`dagron-<run dir>`).
    private struct ClusterRun {
        let scratch: Scratch
        let runDir = "run-" + UUID().uuidString.prefix(8).lowercased()

        /// Fails the test when no cluster answers; writes the pipeline.
        init(_ pipeline: String) throws {
            try SlurmCluster.require()
            scratch = try Scratch()
            try scratch.write("p.yml", pipeline)
        }

        var jobName: String { "dagron-\(runDir)" }
        var arguments: [String] { ["run", "p.yml", "--run-dir", runDir, "--plugin-path", DagronBinary.directory] }

        /// Runs `dagron run p.yml` to its end.
        func run(_ extra: [String] = []) throws -> Finished {
            try dagron(arguments + extra, in: scratch.path, timeout: 180)
        }

        /// Starts `dagron run p.yml` in the background.
        func start() throws -> DagronProcess {
            try DagronProcess(arguments, in: scratch.path)
        }

        /// The run's jobs as `squeue` shows them (empty when it fails).
        var queue: [String] { (try? SlurmCluster.queue(name: jobName)) ?? [] }

        /// Whether the run has `count` jobs queued, all of them running, within a minute.
        func allJobsRunning(_ count: Int) -> Bool {
            waitUntil(timeout: 60) {
                let queue = queue
                return queue.count == count && queue.allSatisfy { $0.hasSuffix("RUNNING") }
            }
        }

        /// The nodes of the run's result.json, by name.
        func nodes() throws -> [String: [String: Any]] {
            nodesByName(try scratch.report(runDir))
        }

        /// Expects `node` failed with `exitCode` and `stderr` in its tail, and `skipped` skipped without a job.
        func expectFailure(
            _ node: String, exitCode: Int, stderr: String, skipped: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let nodes = try nodes()
            #expect(nodes[node]?["status"] as? String == "failed", sourceLocation: sourceLocation)
            #expect(nodes[node]?["exitCode"] as? Int == exitCode, sourceLocation: sourceLocation)
            #expect((nodes[node]?["stderrTail"] as? String)?.contains(stderr) == true, sourceLocation: sourceLocation)
            #expect(nodes[skipped]?["status"] as? String == "skipped", sourceLocation: sourceLocation)
            #expect(nodes[skipped]?["jobId"] == nil, sourceLocation: sourceLocation)
        }
    }

    /// The recorder's lines without their times, in order.
    private func events(_ scratch: Scratch, _ file: String) throws -> [String] {
        let text = try #require(scratch.read(file))
        return try text.split(separator: "\n").map { line in
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            object["time"] = nil
            return String(
                decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    @Test("a diamond: every node is a Slurm job of the run, and hooks see what they see locally")
    func diamond() throws {
        let nodes = """
            max_workers: 1
            nodes:
              a: {run: 'echo $DAGRON_NODE > a.out; echo note-a >&2'}
              b: {run: 'cat a.out > b.out; echo b >> b.out', after: a}
              c: {run: 'cat a.out > c.out; echo c >> c.out', after: a}
              d: {run: 'cat b.out c.out > d.out; echo done', after: [b, c]}
            """
        let run = try ClusterRun("executor: slurm\n\(Self.slurmSettings)\n\(nodes)")
        let scratch = run.scratch
        defer { scratch.cleanUp() }
        try scratch.write("local.yml", nodes)
        let recorder = { (file: String) in
            ["--plugin", "event-recorder", "--set", "event-recorder.file=\(scratch.path)/\(file)"]
        }
        let local = try dagron(
            ["run", "local.yml", "--run-dir", "local", "--plugin-path", DagronBinary.directory]
                + recorder("local.jsonl"),
            in: scratch.path)
        #expect(local.status == 0, "\(local.stderr)")
        let slurm = try run.run(recorder("slurm.jsonl"))
        #expect(slurm.status == 0, "\(slurm.stderr)")
        #expect(scratch.read("d.out") == "a\nb\na\nc\n")

        let results = try run.nodes()
        for name in ["a", "b", "c", "d"] {
            let node = try #require(results[name])
            #expect(node["executor"] as? String == "slurm")
            let id = try #require(node["jobId"] as? String, "\(name) has no job id: \(node)")
            let job = try SlurmCluster.job(id)
            #expect(job["JobState"] == "COMPLETED", "\(name): \(job)")
            #expect(job["ExitCode"] == "0:0")
            #expect(job["JobName"] == run.jobName)
        }
        #expect(scratch.read("\(run.runDir)/logs/d.stdout.log") == "done\n")
        #expect(scratch.read("\(run.runDir)/logs/a.stderr.log") == "note-a\n")
        // Hooks fire exactly as for local nodes: same events, same order, same values.
        #expect(try events(scratch, "slurm.jsonl") == events(scratch, "local.jsonl"))
        #expect(try SlurmCluster.queue(name: run.jobName).isEmpty)
    }

    @Test("a failing job: its exit code and stderr reach the result, its dependents are skipped")
    func failureWithSkips() throws {
        let run = try ClusterRun(
            """
            executor: slurm
            fail_fast: false
            \(Self.slurmSettings)
            nodes:
              a: {run: "true"}
              b: {run: 'echo boom >&2; exit 3', after: a}
              c: {run: "true", after: b}
              d: {run: "true", after: a}
            """)
        defer { run.scratch.cleanUp() }
        let finished = try run.run()
        #expect(finished.status == 1, "\(finished.stderr)")
        try run.expectFailure("b", exitCode: 3, stderr: "boom", skipped: "c")
        let nodes = try run.nodes()
        #expect(nodes["d"]?["status"] as? String == "completed")
        let job = try SlurmCluster.job(try #require(nodes["b"]?["jobId"] as? String))
        #expect(job["JobState"] == "FAILED", "\(job)")
        #expect(job["ExitCode"] == "3:0")
    }

    @Test("a node timeout cancels its job: timed_out, the job CANCELLED, nothing left in the queue")
    func timeoutCancelsTheJob() throws {
        let run = try ClusterRun(
            """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              slow: {run: 'echo started; sleep 300', timeout: 4s}
            """)
        defer { run.scratch.cleanUp() }
        let finished = try run.run()
        #expect(finished.status == 1, "\(finished.stderr)")
        let node = try #require(try run.nodes()["slow"])
        #expect(node["status"] as? String == "timed_out", "\(node)")
        let id = try #require(node["jobId"] as? String, "\(node)")
        let cancelled = waitUntil(timeout: 30) { (try? SlurmCluster.job(id)["JobState"]) == "CANCELLED" }
        #expect(cancelled, "\((try? SlurmCluster.job(id)) ?? [:])")
        #expect(try SlurmCluster.queue(name: run.jobName).isEmpty)
    }

    @Test("Ctrl-C during a run: exit 130, every job cancelled, the queue empty")
    func interrupt() throws {
        let run = try ClusterRun(
            """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              one: {run: sleep 300}
              two: {run: sleep 300}
              three: {run: sleep 300}
              after: {run: touch never, after: [one, two, three]}
            """)
        defer { run.scratch.cleanUp() }
        let process = try run.start()
        // All three submitted (running, or still pending on a busy node): every one is cancelled.
        let submitted = waitUntil(timeout: 60) {
            let queue = run.queue
            return queue.count == 3 && queue.contains { $0.hasSuffix("RUNNING") }
        }
        #expect(submitted, "the three jobs never reached the queue: \(run.queue)")
        process.send(SIGINT)
        let finished = try process.wait(timeout: 90)
        #expect(finished.status == 130, "\(finished.stderr)")
        #expect(try SlurmCluster.queue(name: run.jobName).isEmpty, "jobs left in the queue after dagron exited")
        let report = try run.scratch.report(run.runDir)
        #expect(report["outcome"] as? String == "interrupted")
        let nodes = nodesByName(report)
        for node in ["one", "two", "three"] {
            let id = try #require(nodes[node]?["jobId"] as? String, "\(node): \(nodes[node] ?? [:])")
            #expect(try SlurmCluster.job(id)["JobState"] == "CANCELLED")
        }
        #expect(run.scratch.read("never") == nil)
    }

    /// The forced ending (`RunEnding`, no teardown of the run) has the
    /// executor cancel its unfinished jobs before the process exits. Here the
    /// first Ctrl-C's own cancellation is usually as quick; the forced path
    /// alone matters when nothing else cancels (a stalled plugin, `exit()`
    /// in plugin code): `ReliabilityTests.ForcedExitExecutorTests` covers that
    /// with a misbehaving plugin, which this target lacks.
    @Test("a second Ctrl-C ends dagron at once without its teardown: the executor still cancels the jobs")
    func forcedExitCancelsTheJobs() throws {
        let run = try ClusterRun(
            """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              one: {run: sleep 300}
              two: {run: sleep 300}
              after: {run: touch never, after: [one, two]}
            """)
        defer { run.scratch.cleanUp() }
        let process = try run.start()
        #expect(run.allJobsRunning(2), "the jobs never ran: \(run.queue)")
        process.send(SIGINT)
        // The second signal only once the first was taken (two pending SIGINTs would merge into one).
        #expect(waitUntil(timeout: 30) { process.outputSoFar.contains("interrupt received") })
        process.send(SIGINT)
        let finished = try process.wait(timeout: 90)
        #expect(finished.status == 130, "\(finished.stderr)")
        #expect(
            (finished.stdout + finished.stderr).contains("asking executor 'slurm' to cancel the run's unfinished jobs"),
            "dagron did not end through its forced exit: \(finished.stdout)\(finished.stderr)")
        var left: [String] = []
        let empty = waitUntil(timeout: 30) {
            left = (try? SlurmCluster.queue(name: run.jobName)) ?? ["squeue failed"]
            return left.isEmpty
        }
        #expect(empty, "jobs left in the queue after dagron exited: \(left)")
        #expect(try run.scratch.report(run.runDir)["outcome"] as? String == "interrupted")
        #expect(run.scratch.read("never") == nil)
    }

    @Test("fail-fast: a failure cancels the jobs running beside it, exit 1, the queue empty")
    func failFastCancelsRunningJobs() throws {
        let run = try ClusterRun(
            """
            executor: slurm
            fail_fast: true
            \(Self.slurmSettings)
            nodes:
              one: {run: sleep 300}
              two: {run: sleep 300}
              bad: {run: 'while [ ! -e go ]; do sleep 0.2; done; echo broken >&2; exit 3'}
              after: {run: touch never, after: [one, two]}
            """)
        defer { run.scratch.cleanUp() }
        let process = try run.start()
        // `bad` fails only once all three jobs run.
        #expect(run.allJobsRunning(3), "the jobs never all ran: \(run.queue)")
        try run.scratch.write("go", "")
        let finished = try process.wait(timeout: 120)
        #expect(finished.status == 1, "\(finished.stderr)")
        #expect(try SlurmCluster.queue(name: run.jobName).isEmpty, "jobs left in the queue after dagron exited")
        let report = try run.scratch.report(run.runDir)
        #expect(report["outcome"] as? String == "failed")
        let nodes = nodesByName(report)
        #expect(nodes["bad"]?["status"] as? String == "failed")
        for node in ["one", "two"] {
            #expect(nodes[node]?["status"] as? String == "cancelled", "\(node): \(nodes[node] ?? [:])")
            #expect(
                (nodes[node]?["error"] as? String)?.hasSuffix("was cancelled: fail-fast after 'bad' failed") == true,
                "\(node): \(nodes[node] ?? [:])")
            let id = try #require(nodes[node]?["jobId"] as? String, "\(node): \(nodes[node] ?? [:])")
            let cancelled = waitUntil(timeout: 30) { (try? SlurmCluster.job(id)["JobState"]) == "CANCELLED" }
            #expect(cancelled, "\(node): \((try? SlurmCluster.job(id)) ?? [:])")
        }
        #expect(nodes["after"]?["status"] as? String == "skipped")
        #expect(run.scratch.read("never") == nil)
    }

    @Test("resources reach sbatch: CPUs, memory and time limit as scontrol shows them; gpus: 0 asks for no GPU")
    func resources() throws {
        let run = try ClusterRun(
            """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              sized:
                run: echo sized
                resources: {cpus: 2, mem: 100M, time: 4m30s, gpus: 0}
            """)
        defer { run.scratch.cleanUp() }
        let finished = try run.run()
        #expect(finished.status == 0, "\(finished.stderr)")
        let job = try SlurmCluster.job(try #require(try run.nodes()["sized"]?["jobId"] as? String))
        #expect(job["NumCPUs"] == "2", "\(job)")
        #expect(job["TimeLimit"] == "00:05:00", "rounded up to whole minutes: \(job)")
        #expect(job["MinMemoryNode"] == "100M" || job["MinMemoryCPU"] == "50M", "\(job)")
        #expect(!(job["TresPerNode"] ?? "").contains("gpu"), "\(job)")
    }

    @Test("a retried node submits a new job per attempt; the result names the last one")
    func retries() throws {
        let run = try ClusterRun(
            """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              flaky:
                run: 'echo attempt $DAGRON_ATTEMPT; [ "$DAGRON_ATTEMPT" = 2 ] || exit 1'
                retries: {count: 2, delay: 100ms}
            """)
        defer { run.scratch.cleanUp() }
        let finished = try run.run()
        #expect(finished.status == 0, "\(finished.stderr)")
        let node = try #require(try run.nodes()["flaky"])
        #expect(node["attempts"] as? Int == 2)
        let id = try #require(node["jobId"] as? String)
        #expect(try SlurmCluster.job(id)["JobState"] == "COMPLETED")
        #expect(try SlurmCluster.job(String((Int(id) ?? 1) - 1))["JobState"] == "FAILED", "the first attempt's job")
        #expect(run.scratch.read("\(run.runDir)/logs/flaky.stdout.log") == "attempt 1\n--- attempt 2 ---\nattempt 2\n")
    }

    @Test("a mixed pipeline: local and Slurm nodes feed each other")
    func mixed() throws {
        let run = try ClusterRun(
            """
            executor: slurm
            \(Self.slurmSettings)
            nodes:
              prepare: {run: 'echo input > input.txt', executor: local}
              crunch: {run: 'tr a-z A-Z < input.txt > output.txt', after: prepare}
              report: {run: 'cat output.txt', executor: local, after: crunch}
            """)
        defer { run.scratch.cleanUp() }
        // --isolate-all isolates hook plugins; the executor stays in dagron's process.
        let finished = try run.run(
            [
                "--isolate-all", "--plugin", "event-recorder", "--set",
                "event-recorder.file=\(run.scratch.path)/events.jsonl",
            ])
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(run.scratch.read("events.jsonl")?.contains("\"node\":\"crunch\"") == true)
        let nodes = try run.nodes()
        #expect(nodes["prepare"]?["executor"] as? String == "local")
        #expect(nodes["prepare"]?["jobId"] == nil)
        #expect(nodes["crunch"]?["executor"] as? String == "slurm")
        #expect(nodes["crunch"]?["jobId"] is String)
        #expect(run.scratch.read("\(run.runDir)/logs/report.stdout.log") == "INPUT\n")
    }

    @Test("the timing and dashboard plugins on a Slurm run; the gate stays in dagron and is approved over HTTP")
    func timingAndDashboard() throws {
        let folder = NSTemporaryDirectory() + "dagron-dashboard-" + UUID().uuidString
        let run = try ClusterRun(
            """
            executor: slurm
            plugins:
              slurm:
                poll_interval: 0.3
              timing:
                json: \(folder)-timing.json
              dashboard:
                port: 0
                open_browser: false
                url_file: \(folder)-dashboard.url
            nodes:
              build: {run: sleep 1}
              approve: {gate: {message: Ship it?, timeout: 120s}, after: build}
              ship: {run: echo shipped, after: approve}
            """)
        defer {
            run.scratch.cleanUp()
            for suffix in ["-timing.json", "-dashboard.url"] {
                try? FileManager.default.removeItem(atPath: folder + suffix)
            }
        }
        let process = try run.start()
        #expect(waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: folder + "-dashboard.url") })
        let base = try String(contentsOfFile: folder + "-dashboard.url", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
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
        let approved = try SlurmCluster.command([
            "curl", "-fsS", "-X", "POST", "\(origin)/api/gates/approve/approve?token=\(token)",
        ])
        #expect(approved.status == 0)
        let finished = try process.wait(timeout: 120)
        #expect(finished.status == 0, "\(finished.stderr)")
        let nodes = try run.nodes()
        #expect(nodes["ship"]?["jobId"] is String)
        #expect(nodes["approve"]?["executor"] == nil)
        let timing = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "-timing.json")))
                as? [String: Any])
        let timed = (timing["nodes"] as? [[String: Any]] ?? []).compactMap { $0["node"] as? String }
        #expect(Set(timed) == ["build", "approve", "ship"], "\(timing)")
        #expect(run.scratch.read("\(run.runDir)/logs/ship.stdout.log") == "shipped\n")
    }

    @Test("cluster-generic, configured only by commands, runs a pipeline on the same Slurm")
    func clusterGeneric() throws {
        let run = try ClusterRun(
            """
            executor: cluster-generic
            fail_fast: false
            plugins:
              cluster-generic:
                submit: sbatch --parsable --job-name={job_name} --output={stdout} --error={stderr} --open-mode=append {script}
                status: squeue --noheader --name={job_name} --format='%i %T'
                cancel: scancel {job_ids}
                poll_interval: 300ms
            nodes:
              a: {run: 'echo from-a > a.out'}
              b: {run: 'echo bad >&2; exit 4', after: a}
              c: {run: 'cat a.out', after: a}
              d: {run: "true", after: b}
            """)
        defer { run.scratch.cleanUp() }
        let finished = try run.run()
        #expect(finished.status == 1, "\(finished.stderr)")
        try run.expectFailure("b", exitCode: 4, stderr: "bad", skipped: "d")
        let nodes = try run.nodes()
        #expect(nodes["a"]?["status"] as? String == "completed")
        #expect(run.scratch.read("\(run.runDir)/logs/c.stdout.log") == "from-a\n")
        for name in ["a", "b", "c"] {
            let id = try #require(nodes[name]?["jobId"] as? String, "\(name): \(nodes[name] ?? [:])")
            #expect(nodes[name]?["executor"] as? String == "cluster-generic")
            #expect(try SlurmCluster.job(id)["JobName"] == run.jobName)
        }
        #expect(try SlurmCluster.queue(name: run.jobName).isEmpty)
    }
}
