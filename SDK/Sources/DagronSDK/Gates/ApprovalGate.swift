import Synchronization

/// A gate that holds a node until someone approves or rejects it.
///
/// ```swift
/// let gate = ApprovalGate(timeout: .seconds(600))
/// Task { try gate.approve() }
/// let outcome = await gate.wait()   // .approved
/// ```
///
/// A decision made before anyone waits is kept: `wait()` then returns at once.
/// The timeout starts when the first waiter arrives. Safe to use from any thread.
@_spi(DagronHost) public final class ApprovalGate: Sendable {
    private struct State: Sendable {
        var status: GateStatus = .pending
        var reason: String?
        var waiters: [UInt64: CheckedContinuation<GateOutcome, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var timer: Task<Void, Never>?
    }

    /// How long a wait may last before the gate times out; `nil` waits forever.
    public let timeout: Duration?
    private let state = Mutex(State())

    /// Creates a gate.
    /// - Parameter timeout: How long to wait for a decision; `nil` for no limit.
    public init(timeout: Duration? = nil) {
        self.timeout = timeout
    }

    /// Creates a gate whose timeout is given in seconds.
    public convenience init(timeoutSeconds: Double?) {
        self.init(timeout: timeoutSeconds.map { Duration(clampingSeconds: $0) })
    }

    /// The current status.
    public var status: GateStatus { state.withTrackedLock { $0.status } }

    /// The reason given on rejection, if any.
    public var rejectionReason: String? { state.withTrackedLock { $0.reason } }

    /// The timeout in seconds, if there is one.
    public var timeoutSeconds: Double? {
        timeout.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
    }

    /// Approves the gate, releasing every waiter.
    /// - Throws: ``GateError/alreadyResolved(_:_:)`` if it was already decided.
    public func approve() throws(GateError) {
        try resolve(.approved, reason: nil)
    }

    /// Rejects the gate, releasing every waiter with `reason`.
    /// - Throws: ``GateError/alreadyResolved(_:_:)`` if it was already decided.
    public func reject(reason: String? = nil) throws(GateError) {
        try resolve(.rejected, reason: reason)
    }

    /// Marks the gate ``GateStatus/waiting`` and starts its timeout before the
    /// first waiter arrives, so observers see it waiting at once. Executors
    /// call this when a gate node is reached. Does nothing to a decided gate.
    public func arm() {
        state.withTrackedLock { state in
            guard !state.status.isResolved else { return }
            state.status = .waiting
            startTimer(&state)
        }
    }

    private func startTimer(_ state: inout State) {
        guard state.timer == nil, let timeout else { return }
        state.timer = Task { [weak self] in
            do { try await Task.sleep(for: timeout) } catch { return }
            self?.expire()
        }
    }

    /// Puts the gate back to ``GateStatus/pending`` (for reuse in a new run).
    /// Waiters, if any, are released as cancelled.
    public func reset() {
        let released = state.withTrackedLock { state in
            let waiters = state.waiters
            state.waiters = [:]
            state.timer?.cancel()
            state.timer = nil
            state.status = .pending
            state.reason = nil
            return waiters
        }
        for waiter in released.values { waiter.resume(returning: .cancelled) }
    }

    /// Waits until the gate is approved, rejected or times out, or the calling
    /// task is cancelled.
    public func wait() async -> GateOutcome {
        let id = state.withTrackedLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: GateOutcome? = state.withTrackedLock { state in
                    if let outcome = Self.outcome(state.status, state.reason) { return outcome }
                    if Task.isCancelled { return .cancelled }
                    state.waiters[id] = continuation
                    state.status = .waiting
                    startTimer(&state)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withTrackedLock { state -> CheckedContinuation<GateOutcome, Never>? in
                let waiter = state.waiters.removeValue(forKey: id)
                if state.waiters.isEmpty && state.status == .waiting {
                    state.status = .pending
                    state.timer?.cancel()
                    state.timer = nil
                }
                return waiter
            }
            waiter?.resume(returning: .cancelled)
        }
    }

    private static func outcome(_ status: GateStatus, _ reason: String?) -> GateOutcome? {
        switch status {
        case .approved: .approved
        case .rejected: .rejected(reason: reason)
        case .timedOut: .timedOut
        case .pending, .waiting: nil
        }
    }

    private func resolve(_ status: GateStatus, reason: String?) throws(GateError) {
        let result = state.withTrackedLock { state -> Result<[CheckedContinuation<GateOutcome, Never>], GateError> in
            if state.status.isResolved { return .failure(.alreadyResolved("", state.status)) }
            state.status = status
            state.reason = reason
            state.timer?.cancel()
            state.timer = nil
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            return .success(waiters)
        }
        let waiters = try result.get()
        let outcome = Self.outcome(status, reason)!
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    private func expire() {
        let waiters = state.withTrackedLock { state -> [CheckedContinuation<GateOutcome, Never>] in
            guard state.status == .waiting else { return [] }
            state.status = .timedOut
            state.timer = nil
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: .timedOut) }
    }
}
