import DagronSDK
import Synchronization

/// The live state of the run the dashboard shows, built from hook events.
///
/// Hooks call ``apply(_:)`` (quick: one lock, no I/O). Nothing polls: gate
/// statuses come from `gate_waiting` and `gate_resolved`, and every event
/// also brings the other gates up to date from the run's gate controller
/// (a gate decided before it was reached shows with the next event).
/// Readers take
/// ``snapshot()`` or ``update(since:)``. Every change increments ``seq``, and
/// each node remembers the version of its last change, so a client that
/// knows version `n` receives exactly the nodes changed since `n`, however
/// many events that took: bursts of events are coalesced for free.
final class RunState: Sendable {
    /// How many recent events the log keeps.
    static let eventLogLimit = 2000
    /// A patch with more changed nodes than this (and than half the DAG) is
    /// replaced by a snapshot.
    static let patchNodeLimit = 256

    private struct Node {
        var document: NodeDocument
        var changedSeq: UInt64 = 0
    }

    private struct Model {
        var runID = 0
        var seq: UInt64 = 0
        var phase = "idle"
        var startedAt: Double?
        var finishedAt: Double?
        var totalSeconds: Double?
        var cancelled = false
        var dag: DAG?
        var nodes: [Node] = []
        var edges: [EdgeDocument] = []
        var indexByName: [String: Int] = [:]
        var gates: [String: GateDocument] = [:]
        /// Each gate's question, from its DAG node's `message` metadata.
        var gateMessages: [String: String] = [:]
        var controller: GateController?
        var events: [EventEntry] = []

        mutating func bump() -> UInt64 {
            seq += 1
            return seq
        }

        mutating func log(_ event: String, node: String?, status: String?, message: String? = nil) {
            events.append(
                EventEntry(
                    seq: seq, event: event, node: node, status: status, message: message, time: WallClock.now()))
            if events.count > RunState.eventLogLimit + 256 {
                events.removeFirst(events.count - RunState.eventLogLimit)
            }
        }

        mutating func setNode(_ name: String, _ change: (inout NodeDocument) -> Void) {
            guard let index = indexByName[name] else { return }
            change(&nodes[index].document)
            nodes[index].changedSeq = seq
        }

        /// The document of the gate called `name`, with its question.
        func gate(_ name: String, status: String, reason: String? = nil) -> GateDocument {
            GateDocument(name: name, status: status, reason: reason, message: gateMessages[name])
        }

        var run: RunDocument {
            RunDocument(
                id: runID, phase: phase, startedAt: startedAt, finishedAt: finishedAt,
                totalSeconds: totalSeconds, cancelled: cancelled)
        }
    }

    /// A client's position: the run and the version it has seen.
    struct Cursor: Sendable, Equatable {
        var runID: Int
        var seq: UInt64
    }

    /// What a client at some ``Cursor`` needs next.
    enum Update: Sendable {
        /// Nothing changed.
        case none
        /// The changes since the cursor.
        case patch(PatchDocument, Cursor)
        /// Everything (a new run, or too much changed).
        case snapshot(StateDocument, Cursor)
    }

    private let model = Mutex(Model())

    init() {}

    /// The current position.
    var cursor: Cursor { model.withTrackedLock { Cursor(runID: $0.runID, seq: $0.seq) } }

    /// The gate controller of the current run, if it has one.
    var gateController: GateController? { model.withTrackedLock { $0.controller } }

    // MARK: Applying hook events

    /// Records what a hook event says. Never throws.
    func apply(_ context: HookContext) {
        model.withTrackedLock { model in
            switch context.event {
            case .preExecute:
                guard let dag = context.dag else { return }
                Self.startRun(&model, dag: dag, gates: context.gates)
                model.log(context.event.rawValue, node: nil, status: "running")
            case .preNode:
                guard let name = context.nodeName else { return }
                _ = model.bump()
                model.setNode(name) { node in
                    node.status = "running"
                    node.startedAt = WallClock.now()
                }
                model.log(context.event.rawValue, node: name, status: "running")
                Self.catchUpGates(&model)
            case .gateWaiting:
                guard let name = context.nodeName else { return }
                _ = model.bump()
                // A gate decided before the node reached it passes at once.
                let status = (try? context.gates?.status(name)) ?? .waiting
                if status == .waiting {
                    model.setNode(name) { $0.status = "waiting" }
                    model.gates[name] = model.gate(name, status: "waiting")
                }
                model.log(
                    context.event.rawValue, node: name, status: status.rawValue, message: model.gateMessages[name])
                Self.catchUpGates(&model)
            case .gateResolved:
                guard let name = context.nodeName else { return }
                _ = model.bump()
                let outcome = context.metadata["outcome"] ?? "approved"
                if outcome != "cancelled" {
                    model.gates[name] = model.gate(name, status: outcome, reason: context.metadata["reason"])
                }
                // Approved: the node's own task (if any) now runs. Otherwise
                // on_error follows at once with the final status.
                if outcome == "approved" { model.setNode(name) { $0.status = "running" } }
                model.log(context.event.rawValue, node: name, status: outcome)
                Self.catchUpGates(&model)
            case .postNode, .onError, .nodeSkipped:
                guard let name = context.nodeName, let result = context.nodeResult else { return }
                _ = model.bump()
                model.setNode(name) { Self.record(result, error: context.error, into: &$0) }
                model.log(context.event.rawValue, node: name, status: result.status.rawValue)
                Self.catchUpGates(&model)
            case .postExecute:
                _ = model.bump()
                if let result = context.executionResult {
                    for nodeResult in result.results {
                        guard let index = model.indexByName[nodeResult.name] else { continue }
                        var document = model.nodes[index].document
                        Self.record(nodeResult, error: nil, into: &document)
                        if document != model.nodes[index].document {
                            model.nodes[index].document = document
                            model.nodes[index].changedSeq = model.seq
                        }
                    }
                    model.totalSeconds = result.totalDurationSeconds
                    model.cancelled = result.wasCancelled
                }
                Self.refreshGates(&model)
                model.phase = "finished"
                model.finishedAt = WallClock.now()
                model.log(context.event.rawValue, node: nil, status: "finished")
            case .preBuild, .postBuild:
                return
            @unknown default:
                return
            }
        }
    }

    private static func startRun(_ model: inout Model, dag: DAG, gates: GateController?) {
        let levels = dag.levels
        let gateNames = Set(gates?.names ?? [])
        model.runID += 1
        model.phase = "running"
        model.startedAt = WallClock.now()
        model.finishedAt = nil
        model.totalSeconds = nil
        model.cancelled = false
        model.dag = dag
        model.controller = gates
        model.events = []
        _ = model.bump()
        model.nodes = dag.nodes.enumerated().map { index, node in
            let isGate = gateNames.contains(node.name) || node.metadata["kind"] == "gate"
            return Node(
                document: NodeDocument(
                    name: node.name, level: levels[index], kind: isGate ? "gate" : "task", status: "pending"),
                changedSeq: model.seq)
        }
        model.edges = dag.edges.map { EdgeDocument(from: $0.from, to: $0.to) }
        model.indexByName = Dictionary(uniqueKeysWithValues: dag.nodes.enumerated().map { ($1.name, $0) })
        model.gateMessages = [:]
        for node in dag.nodes {
            if let message = node.metadata["message"], node.metadata["kind"] == "gate" || gateNames.contains(node.name)
            {
                model.gateMessages[node.name] = message
            }
        }
        model.gates = [:]
        refreshGates(&model)
    }

    private static func record(_ result: NodeResult, error: (any Error)?, into node: inout NodeDocument) {
        node.status = result.status.rawValue
        node.startedAt = result.startedAt ?? node.startedAt
        node.finishedAt = result.finishedAt ?? (result.status.isFinished ? WallClock.now() : nil)
        if result.startedAt != nil || result.durationSeconds > 0 {
            node.durationSeconds = result.durationSeconds
        }
        node.error = (error ?? result.error).map { String(describing: $0) }
        node.skipReason = result.skipReason
    }

    /// Copies the controller's gate statuses into the model. Returns whether anything changed.
    @discardableResult
    private static func refreshGates(_ model: inout Model) -> Bool {
        guard let controller = model.controller else { return false }
        var changed = false
        for (name, status) in controller.statuses() {
            let reason = status == .rejected ? controller.rejectionReason(name) : nil
            let document = model.gate(name, status: status.rawValue, reason: reason)
            if model.gates[name] != document {
                model.gates[name] = document
                changed = true
            }
        }
        return changed
    }

    /// Brings the gates up to date with the controller as part of the
    /// current event (same version): a gate decided or armed with no event
    /// of its own (say, approved with `dagron gate approve` before the run
    /// reached it) is logged as `gate_changed`, and a gate node that is now
    /// waiting shows as waiting. With `newVersion`, the changes (if any)
    /// get a version of their own instead.
    private static func catchUpGates(_ model: inout Model, newVersion: Bool = false) {
        guard model.controller != nil, model.phase == "running" else { return }
        let before = model.gates
        guard refreshGates(&model) else { return }
        if newVersion { _ = model.bump() }
        for (name, gate) in model.gates.sorted(by: { $0.key < $1.key }) where before[name] != gate {
            if gate.status == "waiting", let index = model.indexByName[name],
                ["pending", "running"].contains(model.nodes[index].document.status)
            {
                model.setNode(name) { $0.status = "waiting" }
            }
            model.log(
                "gate_changed", node: name, status: gate.status,
                message: gate.status == "waiting" ? gate.message : nil)
        }
    }

    // MARK: Gate decisions

    /// Why a gate decision was refused.
    enum DecisionError: Error, Sendable {
        /// No run is known, or the run has no gate of that name.
        case unknownGate(String)
        /// The gate is not waiting (pending or already decided).
        case notWaiting(String, String)
    }

    /// Approves (`reason` ignored) or rejects the waiting gate called `name`.
    func decide(_ name: String, approve: Bool, reason: String?) throws(DecisionError) {
        guard let controller = gateController, let status = try? controller.status(name) else {
            throw .unknownGate(name)
        }
        guard status == .waiting else { throw .notWaiting(name, status.rawValue) }
        do {
            if approve { try controller.approve(name) } else { try controller.reject(name, reason: reason) }
        } catch {
            throw .notWaiting(name, (try? controller.status(name))?.rawValue ?? "decided")
        }
        // The engine's gate_resolved follows from its own task; show the
        // decision in the state right away, under a new version.
        model.withTrackedLock { model in
            guard model.controller === controller else { return }
            Self.catchUpGates(&model, newVersion: true)
        }
    }

    // MARK: Reading

    /// The whole state.
    func snapshot() -> StateDocument {
        model.withTrackedLock { Self.document(of: $0) }
    }

    private static func document(of model: Model) -> StateDocument {
        StateDocument(
            seq: model.seq, serverTime: WallClock.now(), run: model.run,
            nodes: model.nodes.map(\.document), edges: model.edges,
            gates: sortedGates(model), waitingGates: waiting(model),
            summary: summary(of: model), events: model.events)
    }

    /// What a client at `cursor` needs: nothing, the changes, or a snapshot
    /// when the run changed or so much changed that a snapshot is smaller.
    func update(since cursor: Cursor?) -> Update {
        model.withTrackedLock { model in
            let now = Cursor(runID: model.runID, seq: model.seq)
            guard let cursor, cursor.runID == model.runID, cursor.seq <= model.seq else {
                return .snapshot(Self.document(of: model), now)
            }
            if cursor.seq == model.seq { return .none }
            let changed = model.nodes.filter { $0.changedSeq > cursor.seq }
            if changed.count > Self.patchNodeLimit && changed.count * 2 > model.nodes.count {
                return .snapshot(Self.document(of: model), now)
            }
            let firstKept = model.events.first?.seq ?? 0
            let events = model.events.filter { $0.seq > cursor.seq }
            let patch = PatchDocument(
                fromSeq: cursor.seq, seq: model.seq, serverTime: WallClock.now(), run: model.run,
                nodes: changed.map(\.document), gates: Self.sortedGates(model),
                waitingGates: Self.waiting(model), summary: Self.summary(of: model),
                events: events, eventsTruncated: firstKept > cursor.seq + 1)
            return .patch(patch, now)
        }
    }

    private static func sortedGates(_ model: Model) -> [GateDocument] {
        model.gates.values.sorted { $0.name < $1.name }
    }

    private static func waiting(_ model: Model) -> [String] {
        model.gates.values.filter { $0.status == "waiting" }.map(\.name).sorted()
    }

    static let allStatuses = [
        "pending", "running", "waiting", "completed", "failed", "skipped", "timed_out", "cancelled",
    ]

    private static func summary(of model: Model) -> SummaryDocument {
        var counts = Dictionary(uniqueKeysWithValues: allStatuses.map { ($0, 0) })
        var durations: [String: Double] = [:]
        for node in model.nodes {
            counts[node.document.status, default: 0] += 1
            if let duration = node.document.durationSeconds { durations[node.document.name] = duration }
        }
        let slowest = durations.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .prefix(5).map { TimedNode(name: $0.key, durationSeconds: $0.value) }
        let path = model.dag?.longestPath { durations[$0] ?? 0 } ?? []
        let elapsed: Double? =
            model.totalSeconds
            ?? model.startedAt.map { (model.finishedAt ?? WallClock.now()) - $0 }
        return SummaryDocument(
            counts: counts, total: model.nodes.count, elapsedSeconds: elapsed, slowest: Array(slowest),
            criticalPath: path, criticalPathSeconds: path.reduce(0) { $0 + (durations[$1] ?? 0) })
    }
}
