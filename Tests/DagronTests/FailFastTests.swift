import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization
import Testing

/// Fail-fast stops what runs beside a failure: running tasks are cancelled
/// (they end `cancelled`, fire `on_error` and say why), waiting gates are
/// released, nothing not started runs, and the execution itself is not
/// cancelled (its outcome is a failure, not an interruption).
@Suite("Fail-fast")
struct FailFastTests {
    /// `bad` fails once `long` has started; `long` waits for `release` (or its cancellation), `after` follows `long`.
    private static func dag() throws -> DAG {
        try makeDAG(["bad", "long", "after"], [("long", "after")])
    }

    @Test func aFailureCancelsTheTasksRunningBesideIt() async throws {
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        let longStarted = DispatchSemaphore(value: 0)
        let began = ContinuousClock.now
        let result = await DAGExecutor(try Self.dag(), hooks: hooks, maxWorkers: 2, failFast: true).execute([
            "bad": .sync {
                longStarted.wait()
                throw Boom()
            },
            "long": .async {
                longStarted.signal()
                try await Task.sleep(for: .seconds(300))
                return nil
            },
            "after": .sync { nil },
        ])
        #expect(ContinuousClock.now - began < .seconds(60), "the run waited for the long task")
        #expect(result["bad"]?.status == .failed)
        #expect(result["long"]?.status == .cancelled)
        #expect(result["long"]?.errorMessage == "node 'long' was cancelled: fail-fast after 'bad' failed")
        #expect(result["long"]?.attempts == 1)
        #expect(result["after"]?.status == .skipped)
        #expect(result["after"]?.skipReason == "fail-fast: 'bad' did not complete (failed)")
        #expect(!result.wasCancelled, "fail-fast is a failure of the run, not a cancellation")
        #expect(!result.isSuccess)
        #expect(events.all.contains("on_error:long:cancelled"))
        #expect(events.all.contains("on_error:bad:failed"))
        #expect(!events.all.contains("pre_node:after"))
    }

    @Test func withoutFailFastTheTaskRunningBesideAFailureCompletes() async throws {
        let badFailed = Atomic<Bool>(false)
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        hooks.register(.onError) { context in
            if context.nodeName == "bad" { badFailed.store(true, ordering: .relaxed) }
        }
        let longStarted = DispatchSemaphore(value: 0)
        let result = await DAGExecutor(try Self.dag(), hooks: hooks, maxWorkers: 2, failFast: false).execute([
            "bad": .sync {
                longStarted.wait()
                throw Boom()
            },
            "long": .async {
                longStarted.signal()
                // Still running when `bad`'s failure is recorded.
                while !badFailed.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(5)) }
                return "done"
            },
            "after": .sync { nil },
        ])
        #expect(result["bad"]?.status == .failed)
        #expect(result["long"]?.status == .completed)
        #expect(result["long"]?.output as? String == "done")
        #expect(result["after"]?.status == .completed)
        #expect(!events.all.contains { $0.hasPrefix("on_error:long") })
    }

    @Test func aFailureReleasesAWaitingGateAndStartsNoRetry() async throws {
        let dag = try makeDAG(["review", "bad", "flaky", "deploy"], [("review", "deploy")])
        let gates = GateController(["review": ApprovalGate()])
        let flakyAttempts = Atomic<Int>(0)
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        let result = await DAGExecutor(dag, hooks: hooks, maxWorkers: 3, failFast: true, gates: gates).execute([
            "bad": .async {
                while gates.waitingGates() != ["review"] || flakyAttempts.load(ordering: .relaxed) == 0 {
                    try await Task.sleep(for: .milliseconds(5))
                }
                throw Boom()
            },
            // Fails its first attempt, then waits out a long retry delay: fail-fast ends it there.
            "flaky": .async(retries: 3, retryDelay: .seconds(300)) {
                flakyAttempts.add(1, ordering: .relaxed)
                throw Boom(message: "flaky")
            },
            "deploy": .sync { nil },
        ])
        #expect(result["review"]?.status == .cancelled)
        #expect(result["review"]?.errorMessage == "node 'review' was cancelled: fail-fast after 'bad' failed")
        #expect(result["deploy"]?.status == .skipped)
        #expect(flakyAttempts.load(ordering: .relaxed) == 1, "a retry started after fail-fast")
        #expect(result["flaky"]?.status == .failed)
        #expect(result["flaky"]?.attempts == 1)
        #expect(!result.wasCancelled)
        #expect(events.all.contains("on_error:review:cancelled"))
    }
}
