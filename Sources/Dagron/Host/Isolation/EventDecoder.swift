@_spi(DagronHost) import DagronSDK
import Foundation

/// The child side of ``EventEncoder``: rebuilds hook contexts from the
/// frames an isolated plugin's host process receives.
///
/// It keeps the last DAG and a mirror of the last gate controller, so that
/// callbacks see the same ``HookContext`` values they would in-process: the
/// DAG (names, metadata, edges; node payloads stay in the host), node
/// results and errors (as ``IsolatedPluginError``), execution results with
/// their counts, and gates whose statuses follow the host's.
final class EventDecoder {
    private(set) var dag: DAG?
    private(set) var gates: GateController?
    /// The gate statuses the host reported, to tell them from decisions the
    /// plugin makes on the mirror (which are sent back to the host).
    private(set) var reportedGateStatuses: [String: GateStatus] = [:]

    init() {}

    func decodeDAG(_ reader: inout WireReader) throws {
        let count = try reader.count(limit: 50_000_000)
        var nodes: [DAGNode] = []
        nodes.reserveCapacity(count)
        for _ in 0..<count {
            let name = try reader.string()
            let metadataCount = try reader.count(limit: 1_000_000)
            var metadata: [String: String] = [:]
            for _ in 0..<metadataCount {
                let key = try reader.string()
                metadata[key] = try reader.string()
            }
            nodes.append(DAGNode(name: name, metadata: metadata))
        }
        let edgeCount = try reader.count(limit: 500_000_000)
        var edges: [DAGEdge] = []
        edges.reserveCapacity(edgeCount)
        for _ in 0..<edgeCount {
            let from = try reader.count(limit: max(count - 1, 0))
            let to = try reader.count(limit: max(count - 1, 0))
            guard count > 0 else { throw WireError.malformed("edge in an empty DAG") }
            edges.append(DAGEdge(from: nodes[from].name, to: nodes[to].name))
        }
        do {
            dag = try DAG(nodes: nodes, edges: edges)
        } catch {
            throw WireError.malformed("DAG: \(error)")
        }
    }

    func decodeGates(_ reader: inout WireReader) throws {
        let count = try reader.count(limit: 10_000_000)
        let controller = GateController()
        reportedGateStatuses = [:]
        for _ in 0..<count {
            let name = try reader.string()
            let status = try Self.gateStatus(try reader.byte())
            let reason = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.string() }
            controller.add(name, Self.mirrorGate(status: status, reason: reason))
            reportedGateStatuses[name] = status
        }
        gates = controller
    }

    /// The context of an event frame (after its kind byte).
    func decodeEvent(_ reader: inout WireReader) throws -> HookContext {
        guard let event = HookEvent(wireSlot: Int(try reader.byte())) else { throw WireError.malformed("event") }
        let flags = try reader.byte()
        typealias Flag = EventEncoder.Flag
        let contextDAG = flags & Flag.dag != 0 ? dag : nil
        var context = HookContext(event: event, dag: contextDAG)
        if flags & Flag.nodeIndex != 0 {
            guard let contextDAG else { throw WireError.malformed("node index without a DAG") }
            let index = try reader.count(limit: max(contextDAG.nodeCount - 1, 0))
            guard index < contextDAG.nodeCount else { throw WireError.malformed("node index") }
            context.nodeName = contextDAG.nodeNames[index]
            context.nodeIndex = index
        } else if flags & Flag.nodeName != 0 {
            context.nodeName = try reader.string()
        }
        if flags & Flag.nodeResult != 0 {
            context.nodeResult = try decodeResult(&reader, dag: contextDAG)
        }
        if flags & Flag.error != 0 {
            context.error = IsolatedPluginError(description: try reader.string())
        }
        if flags & Flag.executionResult != 0 {
            let total = try reader.double()
            let cancelled = try reader.bool()
            let count = try reader.count(limit: 50_000_000)
            var results: [NodeResult] = []
            results.reserveCapacity(count)
            for _ in 0..<count { results.append(try decodeResult(&reader, dag: contextDAG)) }
            context.executionResult = ExecutionResult(
                results: results, totalDurationSeconds: total, wasCancelled: cancelled)
        }
        if flags & Flag.gates != 0 {
            if try reader.byte() == 1 {
                let name = try reader.string()
                let status = try Self.gateStatus(try reader.byte())
                let reason = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.string() }
                follow(gate: name, status: status, reason: reason)
            }
            context.gates = gates
        }
        if flags & Flag.metadata != 0 {
            let count = try reader.count(limit: 1_000_000)
            for _ in 0..<count {
                let key = try reader.string()
                context.metadata[key] = try reader.string()
            }
        }
        return context
    }

    private func decodeResult(_ reader: inout WireReader, dag: DAG?) throws -> NodeResult {
        let reference = try reader.count()
        let name: String
        if reference == 0 {
            name = try reader.string()
        } else {
            guard let dag, reference - 1 < dag.nodeCount else { throw WireError.malformed("result name") }
            name = dag.nodeNames[reference - 1]
        }
        guard let status = NodeStatus(wireCode: try reader.byte()) else { throw WireError.malformed("node status") }
        let duration = try reader.double()
        let startedAt = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.double() }
        let finishedAt = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.double() }
        let error = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.string() }
        let exitCode = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.signed() }
        let attempts = try reader.count()
        let stderrTail = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.string() }
        let skipReason = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.string() }
        let job = try reader.optional { (reader: inout WireReader) throws(WireError) in
            NodeJobHandle(executor: try reader.string(), id: try reader.string(), node: name)
        }
        return NodeResult(
            name: name, status: status, durationSeconds: duration, startedAt: startedAt, finishedAt: finishedAt,
            error: error.map { IsolatedPluginError(description: $0) },
            exitCode: exitCode.map { Int32(truncatingIfNeeded: $0) }, attempts: attempts,
            stderrTail: stderrTail, skipReason: skipReason, job: job)
    }

    /// Brings the mirror of gate `name` to the host's `status`.
    private func follow(gate name: String, status: GateStatus, reason: String?) {
        guard let gates else { return }
        reportedGateStatuses[name] = status
        guard let gate = gates.gate(named: name), gate.status != status else { return }
        if gate.status.isResolved || status == .pending || status == .timedOut {
            // A mirror cannot be moved back, or time out on demand: replace it.
            gates.add(name, Self.mirrorGate(status: status, reason: reason))
            return
        }
        switch status {
        case .waiting: gate.arm()
        case .approved: try? gate.approve()
        case .rejected: try? gate.reject(reason: reason)
        case .pending, .timedOut: break
        @unknown default: break
        }
    }

    /// The gates the plugin decided on the mirror since the host last
    /// reported them (to be sent back), marked as reported.
    func takeLocalDecisions() -> [(name: String, status: GateStatus, reason: String?)] {
        guard let gates else { return [] }
        var decisions: [(name: String, status: GateStatus, reason: String?)] = []
        for name in gates.names {
            guard let gate = gates.gate(named: name), gate.status == .approved || gate.status == .rejected,
                let reported = reportedGateStatuses[name], !reported.isResolved
            else { continue }
            decisions.append((name, gate.status, gate.rejectionReason))
            reportedGateStatuses[name] = gate.status
        }
        return decisions
    }

    /// A gate in `status`. A timed-out mirror is made by letting a 1 ns
    /// timeout expire (the gate has no other way into that state).
    private static func mirrorGate(status: GateStatus, reason: String?) -> ApprovalGate {
        switch status {
        case .pending:
            return ApprovalGate()
        case .waiting:
            let gate = ApprovalGate()
            gate.arm()
            return gate
        case .approved:
            let gate = ApprovalGate()
            try? gate.approve()
            return gate
        case .rejected:
            let gate = ApprovalGate()
            try? gate.reject(reason: reason)
            return gate
        case .timedOut:
            let gate = ApprovalGate(timeout: .nanoseconds(1))
            gate.arm()
            for _ in 0..<10_000 where gate.status != .timedOut { usleep(100) }
            return gate
        @unknown default:
            return ApprovalGate()
        }
    }

    private static func gateStatus(_ code: UInt8) throws(WireError) -> GateStatus {
        guard let status = GateStatus(wireCode: code) else { throw .malformed("gate status") }
        return status
    }
}
