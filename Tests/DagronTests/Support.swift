import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization

/// Collects values from callbacks that may run on any thread.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withTrackedLock { $0.append(value) } }
    var all: [Value] { values.withTrackedLock { $0 } }
}

struct Boom: Error, CustomStringConvertible {
    var message = "boom"
    var description: String { message }
}

/// Builds a DAG from names and `from -> to` pairs.
func makeDAG(_ names: [String], _ edges: [(String, String)], hooks: HookRegistry? = nil) throws -> DAG {
    let builder = DAGBuilder(hooks: hooks)
    for name in names { builder.addNode(name) }
    for (from, to) in edges { builder.addEdge(from, to) }
    return try builder.build()
}

/// Records every event as `event` or `event:node` (plus `:status` for results).
func recordEvents(_ hooks: HookRegistry) -> Recorder<String> {
    let events = Recorder<String>()
    for event in HookEvent.allCases {
        hooks.register(event) { context in
            var line = context.event.rawValue
            if let node = context.nodeName { line += ":\(node)" }
            if let status = context.nodeResult?.status, context.event != .postExecute { line += ":\(status.rawValue)" }
            events.append(line)
        }
    }
    return events
}

/// A no-op task for every node.
func noopTasks(_ dag: DAG) -> [String: NodeTask] {
    Dictionary(uniqueKeysWithValues: dag.nodeNames.map { ($0, NodeTask.sync { nil }) })
}

/// Polls `condition` until it holds or `seconds` pass.
func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
