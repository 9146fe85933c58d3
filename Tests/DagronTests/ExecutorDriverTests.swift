import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization
import Testing

/// A queue-like executor written against the SDK as a plugin author would:
/// a job's command says how it ends (`ok`, `fail N`, `limit`, `hang`), and
/// it ends when a poll looks at it for the second time. It records every
/// poll's batch and every cancel call, so the tests can see how the host
/// drives it.
///
/// With `heldUntilBatch` set, the queue holds every job (queued, polls not
/// counted or recorded) until one poll asks about that many jobs at once:
/// on a slow machine the host may poll before the last jobs are submitted,
/// and the batching test must not depend on how fast submits are.
final class ScriptedExecutor: NodeExecutor {
    private struct State {
        var next = 100
        var jobs: [String: (command: String, polls: Int, cancelled: Bool)] = [:]
        var pollBatches: [Int] = []
        var cancelCalls: [[String]] = []
        var submitted: [NodeJob] = []
    }
    private let state = Mutex<State>(State())
    let failingPolls: Bool
    private let heldUntilBatch: Int
    private let released = Mutex(false)

    init(failingPolls: Bool = false, heldUntilBatch: Int = 0) {
        self.failingPolls = failingPolls
        self.heldUntilBatch = heldUntilBatch
    }

    var pollInterval: Duration { .milliseconds(5) }
    var cancelGracePeriod: Duration { .seconds(5) }

    var pollBatches: [Int] { state.withTrackedLock { $0.pollBatches } }
    var cancelCalls: [[String]] { state.withTrackedLock { $0.cancelCalls } }
    var submitted: [NodeJob] { state.withTrackedLock { $0.submitted } }

    func submit(_ job: NodeJob) async throws -> NodeJobHandle {
        if job.command == "reject" { throw Boom(message: "queue refused the job") }
        return state.withTrackedLock { state in
            let id = String(state.next)
            state.next += 1
            state.jobs[id] = (job.command, 0, false)
            state.submitted.append(job)
            return NodeJobHandle(executor: "scripted", id: id, node: job.node)
        }
    }

    func poll(_ handles: [NodeJobHandle]) async throws -> [NodeJobHandle: NodeJobState] {
        if failingPolls { throw Boom(message: "queue unreachable") }
        let held = released.withTrackedLock { released in
            if handles.count >= heldUntilBatch { released = true }
            return !released
        }
        if held { return Dictionary(uniqueKeysWithValues: handles.map { ($0, NodeJobState.queued) }) }
        return state.withTrackedLock { state in
            state.pollBatches.append(handles.count)
            var states: [NodeJobHandle: NodeJobState] = [:]
            for handle in handles {
                guard var job = state.jobs[handle.id] else { continue }
                job.polls += 1
                state.jobs[handle.id] = job
                states[handle] = Self.state(of: job)
            }
            return states
        }
    }

    func cancel(_ handles: [NodeJobHandle]) async {
        state.withTrackedLock { state in
            state.cancelCalls.append(handles.map(\.id))
            for handle in handles { state.jobs[handle.id]?.cancelled = true }
        }
    }

    private static func state(of job: (command: String, polls: Int, cancelled: Bool)) -> NodeJobState {
        if job.cancelled { return .finished(NodeJobOutcome(ending: .cancelled, state: "CANCELLED")) }
        guard job.polls >= 2 else { return job.polls == 1 ? .queued : .running(startedAt: nil) }
        let words = job.command.split(separator: " ")
        switch words.first {
        case "ok": return .finished(NodeJobOutcome(ending: .succeeded, exitCode: 0, state: "COMPLETED"))
        case "fail":
            let code = words.count > 1 ? Int32(words[1]) ?? 1 : 1
            return .finished(NodeJobOutcome(ending: .failed, exitCode: code, state: "FAILED"))
        case "limit": return .finished(NodeJobOutcome(ending: .timedOut, state: "TIMEOUT"))
        case "lost": return .finished(NodeJobOutcome(ending: .failed, state: "NODE_FAIL", message: "node lost"))
        default: return .running(startedAt: nil)
        }
    }
}

@Suite("Executor driver")
struct ExecutorDriverTests {
    private func runner(
        _ yaml: String, executor: any NodeExecutor, hooks: HookRegistry = HookRegistry()
    ) throws -> (PipelineRunner, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dagron-exec-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pipeline = try PipelineParser().parse(yaml, file: "\(folder)/p.yml")
        let runner = PipelineRunner(
            pipeline: pipeline, directory: RunDirectory(path: "\(folder)/run-1"), hooks: hooks, maxWorkers: 64,
            executors: ["scripted": executor])
        try runner.prepare()
        return (runner, folder)
    }

    @Test("twenty jobs in flight are polled together, one call per interval")
    func batchesPolls() async throws {
        let executor = ScriptedExecutor(heldUntilBatch: 20)
        let nodes = (1...20).map { "  n\($0):\n    run: ok\n" }.joined()
        let (runner, folder) = try runner("executor: scripted\nnodes:\n\(nodes)", executor: executor)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = await runner.execute(try runner.build())
        #expect(result.isSuccess)
        // Once every job waits, one call asks about all 20; each job needs two
        // counted polls, so two calls end them all (one poll per job: 40 calls).
        #expect(executor.pollBatches == [20, 20])
        let ids = Set(result.results.compactMap { $0.job?.id })
        #expect(ids.count == 20)
        #expect(result.results.allSatisfy { $0.job?.executor == "scripted" && $0.exitCode == 0 })
        // Every job of the run shares the run's name, and gets the node's attempt.
        #expect(Set(executor.submitted.map(\.jobName)) == ["dagron-run-1"])
        #expect(executor.submitted.allSatisfy { $0.attempt == 1 && $0.environment["DAGRON_NODE"] == $0.node })
    }

    @Test("hooks fire as for local nodes; a failed job's exit code and id reach on_error, its dependents are skipped")
    func hooksAndFailure() async throws {
        let executor = ScriptedExecutor()
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        let jobs = Recorder<String>()
        hooks.register(.onError) { context in
            if let result = context.nodeResult {
                jobs.append("\(result.name) \(result.exitCode ?? -1) \(result.job?.id ?? "-")")
            }
        }
        let yaml = """
            executor: scripted
            nodes:
              a: {run: ok}
              b: {run: fail 3, after: a}
              c: {run: ok, after: b}
              d: {run: echo local, executor: local, after: a}
            """
        let (runner, folder) = try runner(yaml, executor: executor, hooks: hooks)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = await runner.execute(try runner.build())
        #expect(result["a"]?.status == .completed)
        #expect(result["b"]?.status == .failed)
        #expect(result["b"]?.exitCode == 3)
        #expect(result["c"]?.status == .skipped)
        #expect(result["d"]?.status == .completed)
        #expect(result["d"]?.job?.executor == "local")
        #expect(jobs.all == ["b 3 101"])
        let recorded = events.all
        #expect(recorded.contains("pre_node:b") && recorded.contains("on_error:b:failed"))
        #expect(!recorded.contains("pre_node:c") && !recorded.contains("post_node:c:skipped"))
        #expect(!recorded.contains("post_node:b:failed"))
        let log = try String(contentsOfFile: "\(folder)/run-1/logs/d.stdout.log", encoding: .utf8)
        #expect(log == "local\n")
    }

    @Test("a node timeout cancels the job and the node is timed out with its job id")
    func timeoutCancels() async throws {
        let executor = ScriptedExecutor()
        // Long enough for the job to be submitted before the limit even when
        // parallel tests load both cores: with 50 ms the node sometimes timed
        // out before its attempt had started, with no job to cancel.
        let (runner, folder) = try runner(
            "executor: scripted\nnodes:\n  slow:\n    run: hang\n    timeout: 500ms\n", executor: executor)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = await runner.execute(try runner.build())
        #expect(result["slow"]?.status == .timedOut)
        #expect(result["slow"]?.job?.id == "100")
        #expect(executor.cancelCalls.flatMap { $0 } == ["100"])
    }

    @Test("cancelling the run cancels every running job in one call")
    func runCancelGathersJobs() async throws {
        let executor = ScriptedExecutor()
        let nodes = (1...8).map { "  h\($0): {run: hang}\n" }.joined()
        let (runner, folder) = try runner("executor: scripted\nnodes:\n\(nodes)", executor: executor)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dag = try runner.build()
        let task = Task { await runner.execute(dag) }
        #expect(await eventually { executor.submitted.count == 8 && executor.pollBatches.contains(8) })
        task.cancel()
        let result = await task.value
        #expect(result.results.allSatisfy { $0.status == .cancelled })
        // Gathered into fewer calls than jobs (one on a quiet machine; a stall
        // between the nodes' cancellations may split the batch, never into eight).
        #expect(executor.cancelCalls.count < 8)
        #expect(Set(executor.cancelCalls.flatMap { $0 }).count == 8)
    }

    @Test("the executor's own limit, a lost job and a refused submission each fail the node in words")
    func endings() async throws {
        let executor = ScriptedExecutor()
        let yaml = """
            executor: scripted
            fail_fast: false
            nodes:
              limit: {run: limit, resources: {time: 2m}}
              lost: {run: lost}
              refused: {run: reject}
            """
        let (runner, folder) = try runner(yaml, executor: executor)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = await runner.execute(try runner.build())
        #expect(result["limit"]?.status == .timedOut)
        #expect(result["limit"]?.errorMessage == "node 'limit' timed out after 120.0s")
        #expect(result["lost"]?.status == .failed)
        let lost = result["lost"]?.errorMessage ?? ""
        #expect(lost.hasPrefix("command failed (scripted job 10") && lost.hasSuffix(", NODE_FAIL: node lost)"))
        #expect(result["refused"]?.status == .failed)
        #expect(result["refused"]?.errorMessage == "command could not start: scripted executor: queue refused the job")
        #expect(executor.submitted.first { $0.node == "limit" }?.resources.timeSeconds == 120)
    }

    @Test("polls that keep failing fail the nodes with the last error and cancel their jobs")
    func failingPolls() async throws {
        let executor = ScriptedExecutor(failingPolls: true)
        let (runner, folder) = try runner("executor: scripted\nnodes:\n  a: {run: ok}\n", executor: executor)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = await runner.execute(try runner.build())
        #expect(result["a"]?.status == .failed)
        #expect(
            result["a"]?.errorMessage?.contains(
                "executor 'scripted' could not report job states (10 polls failed in a row): queue unreachable") == true
        )
        #expect(await eventually { executor.cancelCalls == [["100"]] })
    }

    @Test("the local executor works through the interface alone: submit, poll, cancel")
    func localThroughInterface() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dagron-local-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let executor = LocalExecutor()
        func job(_ node: String, _ command: String) -> NodeJob {
            NodeJob(
                runID: "r", node: node, attempt: 1, command: command, environment: ["PATH": "/usr/bin:/bin"],
                workingDirectory: folder, runDirectory: folder, standardOutputPath: "\(folder)/\(node).out",
                standardErrorPath: "\(folder)/\(node).err")
        }
        let ok = try await executor.submit(job("ok", "echo out; echo err >&2"))
        let failed = try await executor.submit(job("failed", "exit 3"))
        let slow = try await executor.submit(job("slow", "sleep 30"))
        let killed = try await executor.submit(job("killed", "kill -9 $$"))
        await executor.cancel([slow])
        var states: [NodeJobHandle: NodeJobState] = [:]
        for _ in 0..<500 where states.count < 4 || !states.values.allSatisfy(\.isFinished) {
            // `waitForCompletion` is what the host uses; polling alone must work too.
            for handle in [ok, failed, slow, killed] { _ = try await executor.waitForCompletion(of: handle) }
            states = try await executor.poll([ok, failed, slow, killed])
        }
        guard case .finished(let okOutcome)? = states[ok], case .finished(let failedOutcome)? = states[failed],
            case .finished(let slowOutcome)? = states[slow], case .finished(let killedOutcome)? = states[killed]
        else {
            Issue.record("not all jobs finished: \(states)")
            return
        }
        #expect(okOutcome.ending == .succeeded && okOutcome.exitCode == 0)
        #expect(failedOutcome.ending == .failed && failedOutcome.exitCode == 3)
        #expect(slowOutcome.ending == .cancelled)
        #expect(killedOutcome.ending == .failed && killedOutcome.signal == 9)
        #expect(try String(contentsOfFile: "\(folder)/ok.out", encoding: .utf8) == "out\n")
        #expect(try String(contentsOfFile: "\(folder)/ok.err", encoding: .utf8) == "err\n")
    }
}

@Suite("Executor keys in pipeline files")
struct ExecutorPipelineTests {
    @Test("executor at pipeline and node level, resources with units")
    func parses() throws {
        let pipeline = try PipelineParser().parse(
            """
            executor: slurm
            nodes:
              big: {run: train, resources: {cpus: 8, mem: 1.5G, time: 2h, gpus: 2}}
              quick: {run: echo, executor: local, after: big}
              wait: {gate: ok, after: quick}
            """, file: "p.yml")
        let big = try #require(pipeline.node(named: "big"))
        #expect(big.resources == NodeResources(cpus: 8, memoryMebibytes: 1536, timeSeconds: 7200, gpus: 2))
        #expect(pipeline.executorName(of: big) == "slurm")
        #expect(pipeline.executorName(of: try #require(pipeline.node(named: "quick"))) == "local")
        #expect(pipeline.pluginExecutors == ["slurm"])
        #expect(pipeline.executorLocations["slurm"] == "p.yml:1:11")
        #expect(pipeline.executorKeys["slurm"] == "executor")
    }

    @Test("hostile resources and executor names are refused with their key")
    func refuses() {
        let yaml = """
            nodes:
              a:
                run: x
                executor: "../slurm"
                resources: {cpus: -1, mem: 2P, time: nan, gpus: 1e3, mem2: 1}
              b: {run: x, resources: 4}
              c: {gate: ok, resources: {cpus: 1}}
            """
        #expect {
            try PipelineParser().parse(yaml, file: "p.yml")
        } throws: { error in
            let text = (error as? PipelineError)?.issues.map(\.description).joined(separator: "\n") ?? ""
            return text.contains("p.yml:4:15: nodes.a.executor: expected an executor's name")
                && text.contains("nodes.a.resources.cpus: expected an integer from 1 to 65536, got '-1'")
                && text.contains("nodes.a.resources.mem: expected an amount of memory from 1M to 1P")
                && text.contains("nodes.a.resources.time: expected a duration")
                && text.contains("nodes.a.resources.gpus: expected an integer from 0 to 1024, got '1e3'")
                && text.contains("nodes.a.resources.mem2: unknown key 'mem2'")
                && text.contains("nodes.b.resources: expected a mapping with cpus, mem, time or gpus, got '4'")
                && text.contains("nodes.c: a gate node runs no command")
        }
    }

    @Test(
        "memory amounts",
        arguments: [
            ("512", 512), ("512M", 512), ("4G", 4096), ("4GiB", 4096), ("1.5g", 1536), ("1K", 1), ("1T", 1_048_576),
            ("1024T", 1 << 30), ("1P", 1 << 30), ("1PiB", 1 << 30),
        ])
    func memory(text: String, mebibytes: Int) {
        #expect(MemoryText.mebibytes(text) == mebibytes)
    }

    @Test(
        "not memory amounts",
        arguments: [
            "", "0", "-1", "nan", "inf", "1e3", "1025T", "1.001P", "2P", "4X", "G", "1..5G", "99999999999999999999",
        ])
    func notMemory(text: String) {
        #expect(MemoryText.mebibytes(text) == nil)
    }
}
