@_spi(DagronHost) import DagronSDK

/// Turns hook contexts into ``HostFrame/event`` frames for an isolated plugin.
///
/// A DAG is sent once, in a ``HostFrame/dag`` frame, the first time an event
/// refers to it; events then name their node by index. The same goes for a
/// gate controller (``HostFrame/gates``). Results carry everything a
/// ``NodeResult`` holds except `output` (an arbitrary value that has no
/// encoding); an error travels as its description.
///
/// Not thread-safe: the caller serializes (the isolated plugin encodes under
/// its queue's lock).
struct EventEncoder {
    private var dag: DAG?
    private var gates: GateController?

    /// The DAG events currently refer to.
    var currentDAG: DAG? { dag }
    /// The gate controller events currently refer to.
    var currentGates: GateController? { gates }

    /// Flag bits of an event frame.
    enum Flag {
        static let dag: UInt8 = 1
        static let nodeIndex: UInt8 = 2
        static let nodeName: UInt8 = 4
        static let nodeResult: UInt8 = 8
        static let error: UInt8 = 16
        static let executionResult: UInt8 = 32
        static let gates: UInt8 = 64
        static let metadata: UInt8 = 128
    }

    /// Appends the frames for `context` (a DAG or gates frame first when needed).
    mutating func encode(_ context: HookContext, into writer: inout WireWriter) {
        if let contextDAG = context.dag, contextDAG !== dag {
            dag = contextDAG
            Self.encodeDAG(contextDAG, into: &writer)
        }
        if let contextGates = context.gates, contextGates !== gates {
            gates = contextGates
            Self.encodeGates(contextGates, into: &writer)
        }
        let start = writer.beginFrame(HostFrame.event.rawValue)
        writer.byte(UInt8(truncatingIfNeeded: context.event.wireSlot))
        var flags: UInt8 = 0
        let contextDAG = context.dag
        if contextDAG != nil { flags |= Flag.dag }
        var index: Int?
        if let nodeIndex = context.nodeIndex, let contextDAG, nodeIndex >= 0, nodeIndex < contextDAG.nodeCount,
            contextDAG.nodeNames[nodeIndex] == context.nodeName
        {
            index = nodeIndex
            flags |= Flag.nodeIndex
        } else if context.nodeName != nil {
            flags |= Flag.nodeName
        }
        if context.nodeResult != nil { flags |= Flag.nodeResult }
        if context.error != nil { flags |= Flag.error }
        if context.executionResult != nil { flags |= Flag.executionResult }
        if context.gates != nil { flags |= Flag.gates }
        if !context.metadata.isEmpty { flags |= Flag.metadata }
        writer.byte(flags)
        if let index {
            writer.count(index)
        } else if let name = context.nodeName {
            writer.string(name)
        }
        if let result = context.nodeResult { Self.encode(result, dag: contextDAG, position: index, into: &writer) }
        if let error = context.error { writer.string(String(describing: error)) }
        if let execution = context.executionResult {
            writer.double(execution.totalDurationSeconds)
            writer.bool(execution.wasCancelled)
            let results = execution.results
            writer.count(results.count)
            for (position, result) in results.enumerated() {
                Self.encode(result, dag: contextDAG, position: position, into: &writer)
            }
        }
        if let gates = context.gates, let name = context.nodeName, let gate = gates.gate(named: name) {
            writer.byte(1)
            writer.string(name)
            writer.byte(gate.status.wireCode)
            writer.optional(gate.rejectionReason) { $0.string($1) }
        } else if context.gates != nil {
            writer.byte(0)
        }
        if !context.metadata.isEmpty {
            writer.count(context.metadata.count)
            for (key, value) in context.metadata {
                writer.string(key)
                writer.string(value)
            }
        }
        writer.endFrame(start)
    }

    /// A node result; its name as an index into `dag` when it is the name
    /// of the node at `position` (the common case), else as a string.
    private static func encode(_ result: NodeResult, dag: DAG?, position: Int?, into writer: inout WireWriter) {
        if let dag, let position, position < dag.nodeCount, dag.nodeNames[position] == result.name {
            writer.count(position + 1)
        } else {
            writer.count(0)
            writer.string(result.name)
        }
        writer.byte(result.status.wireCode)
        writer.double(result.durationSeconds)
        writer.optional(result.startedAt) { $0.double($1) }
        writer.optional(result.finishedAt) { $0.double($1) }
        writer.optional(result.error.map { String(describing: $0) }) { $0.string($1) }
        writer.optional(result.exitCode) { $0.signed(Int64($1)) }
        writer.count(result.attempts)
        writer.optional(result.stderrTail) { $0.string($1) }
        writer.optional(result.skipReason) { $0.string($1) }
        writer.optional(result.job) { writer, job in
            writer.string(job.executor)
            writer.string(job.id)
        }
    }

    private static func encodeDAG(_ dag: DAG, into writer: inout WireWriter) {
        let start = writer.beginFrame(HostFrame.dag.rawValue)
        writer.count(dag.nodeCount)
        for node in dag.nodes {
            writer.string(node.name)
            writer.count(node.metadata.count)
            for (key, value) in node.metadata.sorted(by: { $0.key < $1.key }) {
                writer.string(key)
                writer.string(value)
            }
        }
        writer.count(dag.edges.count)
        for edge in dag.edges {
            writer.count(dag.index(of: edge.from) ?? 0)
            writer.count(dag.index(of: edge.to) ?? 0)
        }
        writer.endFrame(start)
    }

    private static func encodeGates(_ gates: GateController, into writer: inout WireWriter) {
        let start = writer.beginFrame(HostFrame.gates.rawValue)
        let names = gates.names
        writer.count(names.count)
        for name in names {
            writer.string(name)
            let gate = gates.gate(named: name)
            writer.byte(gate?.status.wireCode ?? 0)
            writer.optional(gate?.rejectionReason) { $0.string($1) }
        }
        writer.endFrame(start)
    }
}

extension HookEvent {
    /// The event's number on the wire (its position in `allCases`).
    var wireSlot: Int { HookEvent.allCases.firstIndex(of: self) ?? 0 }

    /// The event numbered `slot` on the wire.
    init?(wireSlot slot: Int) {
        guard slot >= 0, slot < HookEvent.allCases.count else { return nil }
        self = HookEvent.allCases[slot]
    }
}

extension NodeStatus {
    var wireCode: UInt8 { UInt8(truncatingIfNeeded: NodeStatus.allCases.firstIndex(of: self) ?? 0) }

    init?(wireCode code: UInt8) {
        guard Int(code) < NodeStatus.allCases.count else { return nil }
        self = NodeStatus.allCases[Int(code)]
    }
}

extension GateStatus {
    var wireCode: UInt8 { UInt8(truncatingIfNeeded: GateStatus.allCases.firstIndex(of: self) ?? 0) }

    init?(wireCode code: UInt8) {
        guard Int(code) < GateStatus.allCases.count else { return nil }
        self = GateStatus.allCases[Int(code)]
    }
}
