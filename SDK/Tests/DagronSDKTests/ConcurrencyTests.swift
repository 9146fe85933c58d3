@_spi(DagronHost) import DagronSDK
import Synchronization
import Testing

@Suite("Concurrency: HookRegistry under contention")
struct HookRegistryConcurrencyTests {
    /// Many tasks fire while others register and unregister (some from inside
    /// callbacks). Nothing may crash, lose a permanent callback, or leave a
    /// temporary one behind; run under --sanitize=thread in CI.
    @Test func fireRegisterAndUnregisterFromManyThreads() async {
        let hooks = HookRegistry()
        let permanentCalls = Atomic<Int>(0)
        hooks.register(.preNode, priority: 1000) { _ in permanentCalls.add(1, ordering: .relaxed) }
        let firesPerTask = 2_000
        let firingTasks = 4
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<firingTasks {
                group.addTask {
                    for _ in 0..<firesPerTask { hooks.fire(HookContext(event: .preNode, nodeName: "n")) }
                }
            }
            for worker in 0..<4 {
                group.addTask {
                    for round in 0..<500 {
                        let handle = hooks.register(.preNode, priority: round % 7) { _ in }
                        if round % 3 == 0 { hooks.fire(HookContext(event: .preNode)) }
                        handle()
                        // A one-shot hook that unregisters itself from inside.
                        let slot = Mutex<HookRegistration?>(nil)
                        let oneShot = hooks.register(.postNode) { _ in slot.withTrackedLock { $0?.unregister() } }
                        slot.withTrackedLock { $0 = oneShot }
                        hooks.fire(HookContext(event: .postNode, nodeName: "w\(worker)"))
                        oneShot()
                    }
                }
            }
        }
        #expect(hooks.hookCount(.preNode) == 1)
        #expect(hooks.hookCount(.postNode) == 0)
        #expect(permanentCalls.load(ordering: .relaxed) >= firingTasks * firesPerTask)
    }

    @Test func gateDecidedFromAnotherTaskReleasesAllWaiters() async throws {
        let gate = ApprovalGate(timeout: .seconds(30))
        let outcomes = await withTaskGroup(of: GateOutcome.self) { group in
            for _ in 0..<8 { group.addTask { await gate.wait() } }
            group.addTask {
                while gate.status != .waiting { await Task.yield() }
                try? gate.approve()
                return .approved
            }
            var all: [GateOutcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.count == 9)
        #expect(outcomes.allSatisfy { $0 == .approved })
    }
}
