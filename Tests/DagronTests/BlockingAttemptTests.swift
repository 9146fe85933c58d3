@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization
import Testing

@testable import Dagron

#if canImport(Glibc)
    import Glibc
#endif

/// A local command without a time limit runs on its worker's thread, with
/// no Swift task (``NodeTask/blocking``): the run cancels it through an
/// ``AttemptCancellation``, and it ends exactly as its task would have.
@Suite struct BlockingAttemptTests {
    // MARK: The cancellation

    @Test func aCancellationRunsItsHandlerOnceAndALateHandlerAtOnce() {
        let cancellation = AttemptCancellation()
        let runs = Atomic<Int>(0)
        cancellation.onCancel { runs.add(1, ordering: .relaxed) }
        #expect(!cancellation.isCancelled)
        #expect(runs.load(ordering: .relaxed) == 0, "the handler ran before the cancellation")
        cancellation.cancel()
        cancellation.cancel()
        #expect(cancellation.isCancelled)
        #expect(runs.load(ordering: .relaxed) == 1)
        let late = Atomic<Int>(0)
        cancellation.onCancel { late.add(1, ordering: .relaxed) }
        #expect(late.load(ordering: .relaxed) == 1, "a handler registered after the cancellation did not run")
    }

    @Test func aRemovedOrReplacedHandlerDoesNotRun() {
        let cancellation = AttemptCancellation()
        let first = Atomic<Int>(0)
        let second = Atomic<Int>(0)
        cancellation.onCancel { first.add(1, ordering: .relaxed) }
        cancellation.onCancel { second.add(1, ordering: .relaxed) }
        cancellation.cancel()
        #expect(first.load(ordering: .relaxed) == 0 && second.load(ordering: .relaxed) == 1)
        let removed = AttemptCancellation()
        removed.onCancel { first.add(1, ordering: .relaxed) }
        removed.onCancel(nil)
        removed.cancel()
        #expect(removed.isCancelled)
        #expect(first.load(ordering: .relaxed) == 0)
    }

    // MARK: The executor's choice

    @Test func withoutATimeoutTheBlockingBodyRunsOnTheWorkerWithATimeoutTheAsyncOne() async throws {
        let inTask = Recorder<Bool>()
        func task(timeout: Duration?) -> NodeTask {
            var task = NodeTask.async(timeout: timeout, retries: 1) { "async" }
            task.blocking = { _ in
                inTask.append(withUnsafeCurrentTask { $0 != nil })
                return "blocking"
            }
            return task
        }
        let result = await DAGExecutor(try makeDAG(["plain", "limited"], []), hooks: HookRegistry(), maxWorkers: 2)
            .execute(["plain": task(timeout: nil), "limited": task(timeout: .seconds(60))])
        #expect(result["plain"]?.output as? String == "blocking")
        #expect(result["limited"]?.output as? String == "async")
        // Once, on the worker's thread, outside any task.
        #expect(inTask.all == [false])
    }

    @Test func aBlockingAttemptIsRetriedAndKeepsItsResult() async throws {
        let attempts = Atomic<Int>(0)
        var task = NodeTask.async(retries: 2) { "async" }
        task.blocking = { _ in
            if attempts.add(1, ordering: .relaxed).newValue < 3 { throw Boom() }
            return "third"
        }
        let result = await DAGExecutor(try makeDAG(["n"], []), hooks: HookRegistry()).execute(["n": task])
        #expect(result["n"]?.status == .completed)
        #expect(result["n"]?.attempts == 3)
        #expect(result["n"]?.output as? String == "third")
    }

    @Test func failFastCancelsABlockingAttemptRunningBesideAFailure() async throws {
        let longStarted = DispatchSemaphore(value: 0)
        var long = NodeTask.async {
            Issue.record("the async body ran")
            return nil
        }
        long.blocking = { cancellation in
            longStarted.signal()
            let stopped = DispatchSemaphore(value: 0)
            cancellation.onCancel { stopped.signal() }
            guard stopped.wait(timeout: .now() + 300) == .success else { return nil }
            throw NodeCancelledError(node: "long", stderrTail: "stopped")
        }
        let began = ContinuousClock.now
        let result = await DAGExecutor(
            try makeDAG(["bad", "long", "after"], [("long", "after")]), hooks: HookRegistry(), maxWorkers: 2,
            failFast: true
        ).execute([
            "bad": .sync {
                longStarted.wait()
                throw Boom()
            },
            "long": long, "after": .sync { nil },
        ])
        #expect(ContinuousClock.now - began < .seconds(60), "the run waited for the blocking attempt")
        #expect(result["long"]?.status == .cancelled)
        #expect(result["long"]?.errorMessage == "node 'long' was cancelled: fail-fast after 'bad' failed")
        #expect(result["long"]?.stderrTail == "stopped")
        #expect(result["after"]?.status == .skipped)
    }

    @Test func cancellingTheRunCancelsABlockingAttempt() async throws {
        let started = DispatchSemaphore(value: 0)
        var long = NodeTask.async { nil }
        long.blocking = { cancellation in
            let stopped = DispatchSemaphore(value: 0)
            cancellation.onCancel { stopped.signal() }
            started.signal()
            guard stopped.wait(timeout: .now() + 300) == .success else { return nil }
            throw NodeCancelledError(node: "long")
        }
        let run = Task { await DAGExecutor(try makeDAG(["long"], []), hooks: HookRegistry()).execute(["long": long]) }
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                started.wait()
                continuation.resume()
            }
        }
        run.cancel()
        let result = try await run.value
        #expect(result.wasCancelled)
        #expect(result["long"]?.status == .cancelled)
    }

    // MARK: A command on the calling thread

    private func command(_ text: String) throws -> (ShellCommand, folder: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dagron-blocking-\(UUID().uuidString)"
        )
        .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var command = ShellCommand(
            node: "n", command: text, environment: ["PATH": "/usr/bin:/bin"],
            logs: NodeLogFiles(directory: folder, node: "n"))
        command.registry = ProcessGroupRegistry()
        command.gracePeriod = .milliseconds(200)
        return (command, folder)
    }

    @Test func aCommandOnTheCallingThreadEndsAsItsTaskWould() throws {
        let (succeeding, folder) = try command("echo out")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outcome = try succeeding.run(cancellation: AttemptCancellation())
        #expect(outcome.exitCode == 0)
        #expect(try String(contentsOfFile: succeeding.logs.standardOutputPath, encoding: .utf8) == "out\n")
        #expect(succeeding.registry?.running.isEmpty == true, "the ended group is still recorded")

        let (failing, other) = try command("echo oops >&2; exit 3")
        defer { try? FileManager.default.removeItem(atPath: other) }
        let failure = #expect(throws: ProcessFailure.self) { try failing.run(cancellation: AttemptCancellation()) }
        #expect(failure?.reason == .exited(3))
        #expect(failure?.stderrTail == "oops")

        let (missing, third) = try command("/nonexistent/program")
        defer { try? FileManager.default.removeItem(atPath: third) }
        let notFound = #expect(throws: ProcessFailure.self) { try missing.run(cancellation: AttemptCancellation()) }
        #expect(notFound?.reason == .exited(127))
    }

    @Test func aCancelledCommandOnTheCallingThreadDiesWithItsGroup() throws {
        let (sleeping, folder) = try command("sleep 300")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let registry = try #require(sleeping.registry)
        let cancellation = AttemptCancellation()
        let ended = Mutex<Result<ProcessOutcome, any Error>?>(nil)
        let thread = Thread {
            let result = Result { try sleeping.run(cancellation: cancellation) }
            ended.withTrackedLock { $0 = result }
        }
        thread.start()
        #expect(waitUntil(seconds: 30) { !registry.running.isEmpty })
        let group = try #require(registry.running.first)
        cancellation.cancel()
        #expect(waitUntil(seconds: 30) { ended.withTrackedLock { $0 != nil } }, "the cancelled command went on")
        let result = ended.withTrackedLock { $0 }
        guard case .failure(let error)? = result else {
            Issue.record("the cancelled command ended with \(String(describing: result))")
            return
        }
        #expect(error is NodeCancelledError)
        #expect(!group.isAlive, "the sleep outlived its cancelled node")
        #expect(registry.running.isEmpty)
    }

    @Test func aCommandCancelledBeforeItStartsStopsAtOnce() throws {
        let (sleeping, folder) = try command("sleep 300")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cancellation = AttemptCancellation()
        cancellation.cancel()
        let began = ContinuousClock.now
        #expect(throws: NodeCancelledError.self) { try sleeping.run(cancellation: cancellation) }
        #expect(ContinuousClock.now - began < .seconds(60))
    }

    /// Polls `condition` on this thread until it holds or `seconds` pass.
    private func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }
}
