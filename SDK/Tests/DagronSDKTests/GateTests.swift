@_spi(DagronHost) import DagronSDK
import Testing

@Suite("Approval gates")
struct GateTests {
    @Test func approvalReleasesTheWaiter() async throws {
        let gate = ApprovalGate()
        #expect(gate.status == .pending)
        async let outcome = gate.wait()
        while gate.status != .waiting { await Task.yield() }
        try gate.approve()
        #expect(await outcome == .approved)
        #expect(gate.status == .approved)
    }

    @Test func rejectionCarriesTheReason() async throws {
        let gate = ApprovalGate()
        async let outcome = gate.wait()
        while gate.status != .waiting { await Task.yield() }
        try gate.reject(reason: "not today")
        #expect(await outcome == .rejected(reason: "not today"))
        #expect(gate.rejectionReason == "not today")
    }

    @Test func decisionBeforeWaitingIsKept() async throws {
        let gate = ApprovalGate()
        try gate.approve()
        #expect(await gate.wait() == .approved)
    }

    @Test func secondDecisionIsRefused() throws {
        let gate = ApprovalGate()
        try gate.reject()
        #expect(throws: GateError.alreadyResolved("", .rejected)) { try gate.approve() }
    }

    @Test func timeoutStartsWhenWaitingBegins() async {
        let gate = ApprovalGate(timeout: .milliseconds(50))
        #expect(gate.timeoutSeconds == 0.05)
        #expect(await gate.wait() == .timedOut)
        #expect(gate.status == .timedOut)
    }

    @Test func armMarksWaitingBeforeAnyWaiter() async {
        let gate = ApprovalGate(timeoutSeconds: 0.05)
        gate.arm()
        #expect(gate.status == .waiting)
        #expect(await gate.wait() == .timedOut)
    }

    @Test func cancellingTheWaiterEndsTheWait() async {
        let gate = ApprovalGate()
        let waiter = Task { await gate.wait() }
        while gate.status != .waiting { await Task.yield() }
        waiter.cancel()
        #expect(await waiter.value == .cancelled)
        #expect(gate.status == .pending)
    }

    @Test func resetAllowsReuse() async throws {
        let gate = ApprovalGate()
        try gate.approve()
        gate.reset()
        #expect(gate.status == .pending)
        try gate.reject(reason: "again")
        #expect(await gate.wait() == .rejected(reason: "again"))
    }

    @Test func controllerManagesNamedGates() async throws {
        let controller = GateController(["review": ApprovalGate(), "deploy": ApprovalGate(timeout: .seconds(300))])
        #expect(controller.names == ["deploy", "review"])
        #expect(controller.waitingGates().isEmpty)
        let review = try #require(controller.gate(named: "review"))
        async let outcome = review.wait()
        while controller.waitingGates() != ["review"] { await Task.yield() }
        try controller.approve("review")
        #expect(await outcome == .approved)
        #expect(try controller.status("review") == .approved)
        try controller.reject("deploy", reason: "freeze")
        #expect(controller.statuses() == ["review": .approved, "deploy": .rejected])
        #expect(throws: GateError.unknownGate("nope")) { try controller.approve("nope") }
        #expect(throws: GateError.unknownGate("nope")) { try controller.status("nope") }
        #expect(throws: GateError.alreadyResolved("review", .approved)) { try controller.reject("review") }
        controller.add("late", ApprovalGate())
        #expect(controller.names == ["deploy", "late", "review"])
    }
}
