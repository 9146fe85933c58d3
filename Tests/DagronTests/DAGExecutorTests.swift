import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization
import Testing

@Suite("DAGExecutor")
struct DAGExecutorTests {
    @Test func runsInDependencyOrderAndFiresEveryEvent() async throws {
        let hooks = HookRegistry()
        let dag = try makeDAG(["a", "b", "c"], [("a", "b"), ("b", "c")])
        let events = recordEvents(hooks)
        let result = await DAGExecutor(dag, hooks: hooks, maxWorkers: 2).execute(noopTasks(dag))
        #expect(result.succeeded == 3)
        #expect(result.isSuccess)
        #expect(
            events.all == [
                "pre_execute",
                "pre_node:a", "post_node:a:completed",
                "pre_node:b", "post_node:b:completed",
                "pre_node:c", "post_node:c:completed",
                "post_execute",
            ])
    }

    @Test func contextFieldsAreFilled() async throws {
        let hooks = HookRegistry()
        let dag = try makeDAG(["ok", "bad"], [])
        let contexts = Recorder<HookContext>()
        for event in HookEvent.allCases { hooks.register(event) { contexts.append($0) } }
        let result = await DAGExecutor(dag, hooks: hooks, maxWorkers: 1, failFast: false).execute([
            "ok": .sync { 42 },
            "bad": .sync { throw Boom(message: "bad input") },
        ])
        #expect(result.failed == 1 && result.succeeded == 1)
        let all = contexts.all
        #expect(all.allSatisfy { $0.dag === dag })
        let post = try #require(all.first { $0.event == .postNode })
        #expect(post.nodeName == "ok")
        #expect(post.nodeResult?.status == .completed)
        #expect(post.nodeResult?.output as? Int == 42)
        #expect(post.nodeResult?.attempts == 1)
        #expect((post.nodeResult?.durationSeconds ?? -1) >= 0)
        #expect(post.nodeResult?.startedAt != nil && post.nodeResult?.finishedAt != nil)
        let error = try #require(all.first { $0.event == .onError })
        #expect(error.nodeName == "bad")
        #expect(error.nodeResult?.status == .failed)
        #expect((error.error as? Boom)?.message == "bad input")
        #expect(error.nodeResult?.errorMessage == "bad input")
        let end = try #require(all.last)
        #expect(end.event == .postExecute)
        #expect(end.executionResult?.failed == 1)
        #expect(end.executionResult?["ok"]?.status == .completed)
        #expect(all.first?.event == .preExecute)
        // Node-level events carry the node's index in the DAG; others none.
        for context in all {
            if let name = context.nodeName {
                #expect(context.nodeIndex == dag.index(of: name), "\(context.event) \(name)")
            } else {
                #expect(context.nodeIndex == nil)
            }
        }
    }

    @Test func skippedNodesCarryTheirIndex() async throws {
        let hooks = HookRegistry()
        let dag = try makeDAG(["a", "b", "c"], [("a", "b"), ("b", "c")])
        let skipped = Recorder<HookContext>()
        hooks.register(.nodeSkipped) { skipped.append($0) }
        _ = await DAGExecutor(dag, hooks: hooks, maxWorkers: 1).execute(["a": .sync { throw Boom(message: "no") }])
        #expect(skipped.all.map(\.nodeName) == ["b", "c"])
        #expect(skipped.all.map(\.nodeIndex) == [dag.index(of: "b"), dag.index(of: "c")])
    }

    @Test func failFastSkipsEverythingNotStarted() async throws {
        let hooks = HookRegistry()
        // root fails; "other" is independent but must not start with fail-fast.
        let dag = try makeDAG(["root", "child", "grandchild", "other"], [("root", "child"), ("child", "grandchild")])
        let events = recordEvents(hooks)
        let result = await DAGExecutor(dag, hooks: hooks, maxWorkers: 1, failFast: true).execute([
            "root": .sync { throw Boom() },
            "child": .sync { nil }, "grandchild": .sync { nil }, "other": .sync { nil },
        ])
        #expect(result.failed == 1)
        #expect(result.skipped == 3)
        #expect(result["child"]?.skipReason == "upstream 'root' did not complete (failed)")
        #expect(result["other"]?.skipReason?.hasPrefix("fail-fast") == true)
        // Skipped nodes fire neither pre_node nor post_node.
        #expect(!events.all.contains { $0.hasPrefix("pre_node:child") || $0.hasPrefix("post_node:child") })
        #expect(events.all.contains("node_skipped:child:skipped"))
        #expect(events.all.filter { $0.hasPrefix("on_error") } == ["on_error:root:failed"])
    }

    @Test func withoutFailFastIndependentBranchesRun() async throws {
        let dag = try makeDAG(
            ["bad", "after-bad", "good", "after-good"], [("bad", "after-bad"), ("good", "after-good")])
        let result = await DAGExecutor(dag, maxWorkers: 2, failFast: false).execute([
            "bad": .sync { throw Boom() },
            "after-bad": .sync { nil }, "good": .sync { nil }, "after-good": .sync { nil },
        ])
        #expect(result["bad"]?.status == .failed)
        #expect(result["after-bad"]?.status == .skipped)
        #expect(result["good"]?.status == .completed)
        #expect(result["after-good"]?.status == .completed)
    }

    @Test func missingTaskIsSkippedWithItsDescendants() async throws {
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        let dag = try makeDAG(["present", "absent", "below"], [("absent", "below")])
        let result = await DAGExecutor(dag, hooks: hooks, maxWorkers: 2, failFast: true).execute([
            "present": .sync { nil }, "below": .sync { nil },
        ])
        #expect(result["present"]?.status == .completed)
        #expect(result["absent"]?.status == .skipped)
        #expect(result["absent"]?.skipReason == "no task was given for this node")
        #expect(result["below"]?.status == .skipped)
        #expect(result["absent"]?.attempts == 0)
        #expect(!events.all.contains("pre_node:absent"))
    }

    @Test func asyncTasksRun() async throws {
        let dag = try makeDAG(["a", "b"], [("a", "b")])
        let result = await DAGExecutor(dag).execute([
            "a": .async {
                try await Task.sleep(for: .milliseconds(1))
                return "A"
            },
            "b": .async { "B" },
        ])
        #expect(result["a"]?.output as? String == "A")
        #expect(result["b"]?.output as? String == "B")
    }

    @Test func syncTasksRunInParallel() async throws {
        // Each task waits for the other to start: only real parallelism completes both.
        let dag = try makeDAG(["left", "right"], [])
        let leftStarted = DispatchSemaphore(value: 0)
        let rightStarted = DispatchSemaphore(value: 0)
        let result = await DAGExecutor(dag, maxWorkers: 2).execute([
            "left": .sync {
                leftStarted.signal()
                if rightStarted.wait(timeout: .now() + 20) == .timedOut { throw Boom(message: "no parallelism") }
                return nil
            },
            "right": .sync {
                rightStarted.signal()
                if leftStarted.wait(timeout: .now() + 20) == .timedOut { throw Boom(message: "no parallelism") }
                return nil
            },
        ])
        #expect(result.succeeded == 2)
    }

    @Test(arguments: [2, 4])
    func everyWorkerComesBackAfterShortTasks(workers: Int) async throws {
        // Thousands of no-op tasks send all workers but one to standby; then
        // `workers` tasks that each wait until all of them have started need
        // every worker back, with other nodes still waiting in the queue.
        let quick = (0..<2_000).map { "quick\($0)" }
        let meeting = (0..<workers).map { "meet\($0)" }
        let later = (0..<50).map { "later\($0)" }
        var edges = quick.map { ($0, "hub") }
        edges += meeting.map { ("hub", $0) } + later.map { ("hub", $0) }
        let dag = try makeDAG(quick + ["hub"] + meeting + later, edges)
        let arrived = Atomic<Int>(0)
        let meet = NodeTask.sync {
            arrived.add(1, ordering: .sequentiallyConsistent)
            let deadline = Date().addingTimeInterval(20)
            while arrived.load(ordering: .sequentiallyConsistent) < workers {
                if Date() > deadline { throw Boom(message: "not every worker came back") }
                Thread.sleep(forTimeInterval: 0.001)
            }
            return nil
        }
        var tasks = noopTasks(dag)
        for name in meeting { tasks[name] = meet }
        let result = await DAGExecutor(dag, hooks: HookRegistry(), maxWorkers: workers).execute(tasks)
        #expect(result.succeeded == dag.nodeCount)
        #expect(result.failed == 0)
    }

    @Test func maxWorkersBoundsConcurrency() async throws {
        let names = (0..<12).map { "n\($0)" }
        let dag = try makeDAG(names, [])
        let running = Atomic<Int>(0)
        let peak = Atomic<Int>(0)
        let task = NodeTask.sync {
            let now = running.add(1, ordering: .sequentiallyConsistent).newValue
            _ = peak.max(now, ordering: .sequentiallyConsistent)
            Thread.sleep(forTimeInterval: 0.01)
            running.subtract(1, ordering: .sequentiallyConsistent)
            return nil
        }
        let result = await DAGExecutor(dag, maxWorkers: 3).execute(
            Dictionary(uniqueKeysWithValues: names.map { ($0, task) }))
        #expect(result.succeeded == 12)
        let peakValue = peak.load(ordering: .sequentiallyConsistent)
        #expect(peakValue <= 3)
    }

    @Test func asyncTimeoutCancelsTheTask() async throws {
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        let dag = try makeDAG(["slow", "after"], [("slow", "after")])
        let sawCancellation = Atomic<Bool>(false)
        let result = await DAGExecutor(dag, hooks: hooks).execute([
            "slow": .async(timeout: .milliseconds(100)) {
                do { try await Task.sleep(for: .seconds(60)) } catch {
                    sawCancellation.store(true, ordering: .relaxed)
                    throw error
                }
                return nil
            },
            "after": .sync { nil },
        ])
        #expect(result["slow"]?.status == .timedOut)
        #expect(result["slow"]?.error is NodeTimeoutError)
        #expect(result["after"]?.status == .skipped)
        #expect(result.timedOut == 1)
        let sawCancellationValue = sawCancellation.load(ordering: .relaxed)
        #expect(sawCancellationValue)
        #expect(events.all.contains("on_error:slow:timed_out"))
        #expect(!events.all.contains { $0.hasPrefix("post_node:slow") })
    }

    @Test func syncTimeoutStopsWaiting() async throws {
        let dag = try makeDAG(["stuck"], [])
        let release = DispatchSemaphore(value: 0)
        let result = await DAGExecutor(dag).execute([
            "stuck": .sync(timeout: .milliseconds(100)) {
                _ = release.wait(timeout: .now() + 30)
                return nil
            }
        ])
        release.signal()
        #expect(result["stuck"]?.status == .timedOut)
    }

    @Test func retriesUntilSuccess() async throws {
        let dag = try makeDAG(["flaky"], [])
        let calls = Atomic<Int>(0)
        let result = await DAGExecutor(dag).execute([
            "flaky": .sync(retries: 3, retryDelay: .milliseconds(1)) {
                if calls.add(1, ordering: .relaxed).newValue < 3 { throw Boom() }
                return "ok"
            }
        ])
        #expect(result["flaky"]?.status == .completed)
        #expect(result["flaky"]?.attempts == 3)
    }

    @Test func retriesExhausted() async throws {
        let dag = try makeDAG(["broken"], [])
        let result = await DAGExecutor(dag).execute(["broken": .sync(retries: 2) { throw Boom() }])
        #expect(result["broken"]?.status == .failed)
        #expect(result["broken"]?.attempts == 3)
    }

    @Test func processReportIsCopiedIntoTheResult() async throws {
        struct ExitFailure: Error, ProcessReport {
            var exitCode: Int32? = 3
            var stderrTail: String? = "oops"
        }
        let dag = try makeDAG(["cmd"], [])
        let result = await DAGExecutor(dag).execute(["cmd": .sync { throw ExitFailure() }])
        #expect(result["cmd"]?.exitCode == 3)
        #expect(result["cmd"]?.stderrTail == "oops")
    }

    @Test func plainSyncTasksKeepTheirValueAndErrors() async throws {
        // Sync tasks without timeout or retries are called directly by the
        // worker; every outcome must still land in the result as for the others.
        struct Exited: ProcessReport {
            var exitCode: Int32? = 0
            var stderrTail: String? = nil
        }
        let dag = try makeDAG(["value", "report", "fails", "cancels", "nothing"], [])
        let result = await DAGExecutor(dag, failFast: false).execute([
            "value": .sync { [1, 2, 3] },
            "report": .sync { Exited() },
            "fails": .sync { throw Boom() },
            "cancels": .sync { throw CancellationError() },
            "nothing": .sync { nil },
        ])
        #expect(result["value"]?.output as? [Int] == [1, 2, 3])
        #expect(result["value"]?.status == .completed && result["value"]?.attempts == 1)
        #expect(result["value"]?.exitCode == nil)
        #expect(result["report"]?.exitCode == 0)
        #expect(result["fails"]?.status == .failed)
        #expect(result["fails"]?.error is Boom)
        #expect(result["fails"]?.output == nil)
        #expect(result["cancels"]?.status == .cancelled)
        #expect(result["cancels"]?.error is NodeCancelledError)
        #expect(result["nothing"]?.status == .completed && result["nothing"]?.output == nil)
        for node in ["value", "report", "fails", "cancels", "nothing"] {
            let times = try #require(result[node])
            #expect(times.durationSeconds >= 0)
            #expect(try #require(times.finishedAt) >= #require(times.startedAt))
        }
    }

    @Test func cancellingTheCallerCancelsTheRun() async throws {
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        let dag = try makeDAG(["running", "pending"], [("running", "pending")])
        let started = Atomic<Bool>(false)
        let executor = DAGExecutor(dag, hooks: hooks)
        let run = Task {
            await executor.execute([
                "running": .async {
                    started.store(true, ordering: .relaxed)
                    try await Task.sleep(for: .seconds(60))
                    return nil
                },
                "pending": .sync { nil },
            ])
        }
        let didStart = await eventually { started.load(ordering: .relaxed) }
        #expect(didStart)
        run.cancel()
        let result = await run.value
        #expect(result.wasCancelled)
        #expect(result["running"]?.status == .cancelled)
        #expect(result["pending"]?.status == .cancelled)
        #expect(result.cancelled == 2)
        #expect(events.all.contains("on_error:running:cancelled"))
        #expect(events.all.contains("node_skipped:pending:cancelled"))
        #expect(events.all.last == "post_execute")
    }

    @Test func executorCancelFromAHook() async throws {
        let hooks = HookRegistry()
        let dag = try makeDAG(["first", "second", "third"], [("first", "second"), ("second", "third")])
        let executor = DAGExecutor(dag, hooks: hooks)
        hooks.register(.postNode) { ctx in if ctx.nodeName == "first" { executor.cancel() } }
        let result = await executor.execute(noopTasks(dag))
        #expect(result["first"]?.status == .completed)
        #expect(result["second"]?.status == .cancelled)
        #expect(result["third"]?.status == .cancelled)
    }

    @Test func blockingExecution() throws {
        let dag = try makeDAG(["a", "b"], [("a", "b")])
        let result = DAGExecutor(dag).executeBlocking(noopTasks(dag))
        #expect(result.succeeded == 2)
    }

    @Test func emptyDAG() async throws {
        let hooks = HookRegistry()
        let events = recordEvents(hooks)
        let result = await DAGExecutor(try makeDAG([], []), hooks: hooks).execute([:])
        #expect(result.nodeResults.isEmpty)
        #expect(events.all == ["pre_execute", "post_execute"])
    }

    @Test func throwingHookDoesNotStopExecution() async throws {
        let warnings = Recorder<String>()
        let hooks = HookRegistry { warnings.append($0.description) }
        hooks.register(.preNode) { _ in throw Boom() }
        let dag = try makeDAG(["a", "b"], [("a", "b")])
        let result = await DAGExecutor(dag, hooks: hooks).execute(noopTasks(dag))
        #expect(result.succeeded == 2)
        #expect(warnings.all.count == 2)
    }
}
