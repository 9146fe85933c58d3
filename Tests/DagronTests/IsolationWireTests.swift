@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

@testable import Dagron

#if canImport(Glibc)
    import Glibc
#endif

/// The encoding isolated plugins are fed: what goes in comes out, hostile
/// bytes never trap, and the queue keeps to its bound.
@Suite struct IsolationWireTests {
    /// Encodes `contexts` and decodes them as the child would.
    private func roundTrip(_ contexts: [HookContext]) throws -> (contexts: [HookContext], decoder: EventDecoder) {
        var encoder = EventEncoder()
        var writer = WireWriter()
        for context in contexts { encoder.encode(context, into: &writer) }
        var splitter = FrameSplitter()
        writer.bytes.withUnsafeBytes { splitter.append($0) }
        let decoder = EventDecoder()
        var decoded: [HookContext] = []
        try splitter.forEachFrame { payload in
            var reader = WireReader(payload)
            switch HostFrame(rawValue: try reader.byte()) {
            case .dag?: try decoder.decodeDAG(&reader)
            case .gates?: try decoder.decodeGates(&reader)
            case .event?: decoded.append(try decoder.decodeEvent(&reader))
            default: Issue.record("unexpected frame")
            }
            #expect(reader.isAtEnd, "a frame was not read to its end")
        }
        return (decoded, decoder)
    }

    private static func sampleDAG() throws -> DAG {
        try DAG(
            nodes: [
                DAGNode(name: "extract", metadata: ["kind": "run", "command": "echo ü"]),
                DAGNode(name: "gate ✓", metadata: ["kind": "gate"]),
                DAGNode(name: "load"),
            ],
            edges: [DAGEdge(from: "extract", to: "gate ✓"), DAGEdge(from: "gate ✓", to: "load")])
    }

    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom: \u{1}odd\ntext" }
    }

    @Test func everyFieldOfEveryContextArrives() throws {
        let dag = try Self.sampleDAG()
        let gates = GateController(["gate ✓": ApprovalGate()])
        gates.gate(named: "gate ✓")?.arm()
        let failed = NodeResult(
            name: "load", status: .failed, durationSeconds: 1.25, startedAt: 1_700_000_000.5,
            finishedAt: 1_700_000_001.75,
            error: Boom(), exitCode: -3, attempts: 2, stderrTail: "last\nlines", skipReason: nil)
        let skipped = NodeResult(name: "elsewhere", status: .skipped, skipReason: "upstream 'x' failed")
        let contexts: [HookContext] = [
            HookContext(event: .preBuild, dag: dag),
            HookContext(event: .preExecute, dag: dag, gates: gates),
            HookContext(
                event: .gateWaiting, dag: dag, nodeName: "gate ✓", nodeIndex: 1, gates: gates,
                metadata: ["outcome": "x"]),
            HookContext(
                event: .onError, dag: dag, nodeName: "load", nodeIndex: 2, nodeResult: failed, error: Boom(),
                gates: gates),
            HookContext(event: .nodeSkipped, nodeName: "elsewhere", nodeResult: skipped),
            HookContext(
                event: .postExecute, dag: dag,
                executionResult: ExecutionResult(
                    results: [failed, skipped], totalDurationSeconds: 9.5, wasCancelled: true),
                gates: gates),
        ]
        let (decoded, decoder) = try roundTrip(contexts)
        try #require(decoded.count == contexts.count)
        #expect(decoded.map(\.event) == contexts.map(\.event))
        #expect(decoded.map(\.nodeName) == contexts.map(\.nodeName))
        #expect(decoded.map(\.nodeIndex) == contexts.map(\.nodeIndex))
        let mirror = try #require(decoder.dag)
        #expect(mirror.nodeNames == dag.nodeNames)
        #expect(mirror.edges == dag.edges)
        #expect(mirror.node(named: "extract")?.metadata == ["kind": "run", "command": "echo ü"])
        #expect(decoded[2].metadata == ["outcome": "x"])
        #expect(try decoded[2].gates?.status("gate ✓") == .waiting)
        let result = try #require(decoded[3].nodeResult)
        #expect(result.name == "load" && result.status == .failed && result.durationSeconds == 1.25)
        #expect(result.startedAt == 1_700_000_000.5 && result.finishedAt == 1_700_000_001.75)
        #expect(result.exitCode == -3 && result.attempts == 2 && result.stderrTail == "last\nlines")
        #expect(result.errorMessage == "boom: \u{1}odd\ntext")
        #expect(decoded[3].error.map { String(describing: $0) } == "boom: \u{1}odd\ntext")
        #expect(decoded[4].nodeResult?.skipReason == "upstream 'x' failed")
        #expect(decoded[4].dag == nil)
        let execution = try #require(decoded[5].executionResult)
        #expect(execution.failed == 1 && execution.skipped == 1 && execution.wasCancelled)
        #expect(execution.totalDurationSeconds == 9.5)
        #expect(execution.results.map(\.name) == ["load", "elsewhere"])
    }

    @Test func gateStatusesFollowTheHostAndLocalDecisionsAreReported() throws {
        let dag = try Self.sampleDAG()
        let gate = ApprovalGate()
        let gates = GateController(["gate ✓": gate])
        let decoder = try roundTrip([HookContext(event: .preExecute, dag: dag, gates: gates)]).decoder
        #expect(decoder.takeLocalDecisions().isEmpty)
        // The host arms the gate: the mirror follows; the plugin rejects it on the mirror.
        gate.arm()
        var encoder = EventEncoder()
        var writer = WireWriter()
        encoder.encode(
            HookContext(event: .gateWaiting, dag: dag, nodeName: "gate ✓", nodeIndex: 1, gates: gates), into: &writer)
        var splitter = FrameSplitter()
        writer.bytes.withUnsafeBytes { splitter.append($0) }
        try splitter.forEachFrame { payload in
            var reader = WireReader(payload)
            switch HostFrame(rawValue: try reader.byte()) {
            case .dag?: try decoder.decodeDAG(&reader)
            case .gates?: try decoder.decodeGates(&reader)
            case .event?:
                let context = try decoder.decodeEvent(&reader)
                #expect(try context.gates?.status("gate ✓") == .waiting)
                try context.gates?.reject("gate ✓", reason: "not today")
            default: break
            }
        }
        let decisions = decoder.takeLocalDecisions()
        #expect(decisions.count == 1)
        #expect(decisions.first?.status == .rejected && decisions.first?.reason == "not today")
        #expect(decoder.takeLocalDecisions().isEmpty, "a decision is reported once")
    }

    @Test func hostileBytesThrowInsteadOfTrapping() throws {
        let dag = try Self.sampleDAG()
        var encoder = EventEncoder()
        var writer = WireWriter()
        encoder.encode(
            HookContext(
                event: .postNode, dag: dag, nodeName: "load", nodeIndex: 2,
                nodeResult: NodeResult(name: "load", status: .completed)), into: &writer)
        let valid = writer.bytes
        var generator = SplitMix(seed: 42)
        for round in 0..<3000 {
            var bytes = valid
            switch round % 3 {
            case 0: bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
            case 1:
                for _ in 0..<4 {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            default: bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            }
            var splitter = FrameSplitter()
            bytes.withUnsafeBytes { splitter.append($0) }
            let decoder = EventDecoder()
            try? splitter.forEachFrame { payload in
                var reader = WireReader(payload)
                switch HostFrame(rawValue: try reader.byte()) {
                case .dag?: try decoder.decodeDAG(&reader)
                case .gates?: try decoder.decodeGates(&reader)
                case .event?: _ = try decoder.decodeEvent(&reader)
                default: throw WireError.malformed("kind")
                }
            }
        }
        var reader = WireReader(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(throws: WireError.self) { try reader.string() }
    }

    @Test func theQueueKeepsToItsBoundAndReportsABrokenPipe() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let broken = DispatchSemaphore(value: 0)
        let queue = EventQueue(descriptor: ends[1], maximumBytes: 256 << 10) { _ in broken.signal() }
        let dag = try Self.sampleDAG()
        var full = false
        for _ in 0..<100_000 where !full {
            full = queue.append(HookContext(event: .preNode, dag: dag, nodeName: "load", nodeIndex: 2)) == .full
        }
        #expect(full, "nobody reads the pipe, so the queue must fill")
        #expect(queue.pendingBytes <= queue.maximumBytes)
        #expect(queue.describe(queue.sequence)?.event == .preNode)
        #expect(queue.describe(queue.sequence)?.node == "load")
        close(ends[0])
        #expect(broken.wait(timeout: .now() + 10) == .success, "the writer must notice the reader is gone")
        #expect(queue.append(HookContext(event: .preNode)) == .closed)
    }
}

/// A small deterministic generator for the hostile-bytes test.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
