/// The dashboard's JSON documents as a client reads them (the API contract).
struct StateDoc: Decodable {
    var seq: UInt64
    var serverTime: Double
    var run: RunDoc
    var nodes: [NodeDoc]
    var edges: [EdgeDoc]
    var gates: [GateDoc]
    var waitingGates: [String]
    var summary: SummaryDoc
    var events: [EventDoc]

    func node(_ name: String) -> NodeDoc? { nodes.first { $0.name == name } }
    func gate(_ name: String) -> GateDoc? { gates.first { $0.name == name } }
}

struct PatchDoc: Decodable {
    var fromSeq: UInt64
    var seq: UInt64
    var run: RunDoc
    var nodes: [NodeDoc]
    var gates: [GateDoc]
    var waitingGates: [String]
    var summary: SummaryDoc
    var events: [EventDoc]
    var eventsTruncated: Bool
}

struct RunDoc: Decodable {
    var id: Int
    var phase: String
    var startedAt: Double?
    var finishedAt: Double?
    var totalSeconds: Double?
    var cancelled: Bool
}

struct NodeDoc: Decodable {
    var name: String
    var level: Int
    var kind: String
    var status: String
    var startedAt: Double?
    var finishedAt: Double?
    var durationSeconds: Double?
    var error: String?
    var skipReason: String?
}

struct EdgeDoc: Decodable, Equatable {
    var from: String
    var to: String
}

struct GateDoc: Decodable {
    var name: String
    var status: String
    var reason: String?
    var message: String?
}

struct SummaryDoc: Decodable {
    var counts: [String: Int]
    var total: Int
    var elapsedSeconds: Double?
    var slowest: [TimedDoc]
    var criticalPath: [String]
    var criticalPathSeconds: Double
}

struct TimedDoc: Decodable {
    var name: String
    var durationSeconds: Double
}

struct EventDoc: Decodable {
    var seq: UInt64
    var event: String
    var node: String?
    var status: String?
    var message: String?
    var time: Double
}
