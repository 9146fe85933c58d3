import Synchronization

/// The named approval gates of a run.
///
/// The executor holds a gate node until the gate of the same name is decided;
/// a dashboard or a CLI decides it through ``approve(_:)`` / ``reject(_:reason:)``.
/// Hooks reach the run's controller through ``HookContext/gates``.
public final class GateController: Sendable {
    private let gates: Mutex<[String: ApprovalGate]>

    /// Creates a controller with the given gates.
    @_spi(DagronHost) public init(_ gates: [String: ApprovalGate] = [:]) {
        self.gates = Mutex(gates)
    }

    /// Adds (or replaces) the gate called `name`.
    @_spi(DagronHost) public func add(_ name: String, _ gate: ApprovalGate) {
        gates.withTrackedLock { $0[name] = gate }
    }

    /// The gate called `name`, if any.
    @_spi(DagronHost) public func gate(named name: String) -> ApprovalGate? {
        gates.withTrackedLock { $0[name] }
    }

    /// All gate names, sorted.
    public var names: [String] {
        gates.withTrackedLock { $0.keys.sorted() }
    }

    /// Approves the gate called `name`.
    /// - Throws: ``GateError/unknownGate(_:)`` or ``GateError/alreadyResolved(_:_:)``.
    public func approve(_ name: String) throws(GateError) {
        do { try lookup(name).approve() } catch { throw Self.named(error, name) }
    }

    /// Rejects the gate called `name` with an optional reason.
    /// - Throws: ``GateError/unknownGate(_:)`` or ``GateError/alreadyResolved(_:_:)``.
    public func reject(_ name: String, reason: String? = nil) throws(GateError) {
        do { try lookup(name).reject(reason: reason) } catch { throw Self.named(error, name) }
    }

    /// The status of the gate called `name`.
    /// - Throws: ``GateError/unknownGate(_:)``.
    public func status(_ name: String) throws(GateError) -> GateStatus {
        try lookup(name).status
    }

    /// Why the gate called `name` was rejected: the reason given with the
    /// rejection, or `nil` when it was not rejected, had no reason, or
    /// does not exist.
    public func rejectionReason(_ name: String) -> String? {
        gate(named: name)?.rejectionReason
    }

    /// The names of the gates currently ``GateStatus/waiting``, sorted.
    public func waitingGates() -> [String] {
        gates.withTrackedLock { gates in gates.filter { $0.value.status == .waiting }.map(\.key) }.sorted()
    }

    /// Every gate's status, keyed by name.
    public func statuses() -> [String: GateStatus] {
        gates.withTrackedLock { $0.mapValues(\.status) }
    }

    private func lookup(_ name: String) throws(GateError) -> ApprovalGate {
        guard let gate = gate(named: name) else { throw .unknownGate(name) }
        return gate
    }

    private static func named(_ error: GateError, _ name: String) -> GateError {
        if case .alreadyResolved(_, let status) = error { return .alreadyResolved(name, status) }
        return error
    }
}
