@_spi(DagronHost) import DagronSDK
import Synchronization
import Testing

/// Collects values from callbacks that may run on any thread.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withTrackedLock { $0.append(value) } }
    var all: [Value] { values.withTrackedLock { $0 } }
}

struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}

@Suite("HookRegistry")
struct HookRegistryTests {
    @Test func firesOnlyCallbacksOfTheEvent() {
        let hooks = HookRegistry()
        let seen = Recorder<String>()
        hooks.register(.preNode) { seen.append("pre:\($0.nodeName ?? "")") }
        hooks.register(.postNode) { seen.append("post:\($0.nodeName ?? "")") }
        hooks.fire(HookContext(event: .preNode, nodeName: "extract"))
        #expect(seen.all == ["pre:extract"])
    }

    @Test func descendingPriorityThenRegistrationOrder() {
        let hooks = HookRegistry()
        let seen = Recorder<String>()
        hooks.register(.preNode, priority: 0) { _ in seen.append("zero-a") }
        hooks.register(.preNode, priority: 100) { _ in seen.append("hundred") }
        hooks.register(.preNode, priority: 0) { _ in seen.append("zero-b") }
        hooks.register(.preNode, priority: 50) { _ in seen.append("fifty") }
        hooks.register(.preNode, priority: -5) { _ in seen.append("negative") }
        hooks.register(.preNode, priority: 100) { _ in seen.append("hundred-b") }
        hooks.fire(HookContext(event: .preNode))
        #expect(seen.all == ["hundred", "hundred-b", "fifty", "zero-a", "zero-b", "negative"])
    }

    @Test func unregisterHandleIsIdempotent() {
        let hooks = HookRegistry()
        let seen = Recorder<Int>()
        let first = hooks.register(.preNode) { _ in seen.append(1) }
        hooks.register(.preNode) { _ in seen.append(2) }
        #expect(first.isRegistered)
        first()
        first()
        first.unregister()
        #expect(!first.isRegistered)
        #expect(hooks.hookCount(.preNode) == 1)
        hooks.fire(HookContext(event: .preNode))
        #expect(seen.all == [2])
    }

    @Test func throwingCallbackIsIsolatedAndReported() {
        let warnings = Recorder<String>()
        let hooks = HookRegistry { warnings.append($0.description) }
        let seen = Recorder<String>()
        hooks.register(.onError, priority: 10) { _ in seen.append("before") }
        hooks.register(.onError, priority: 5) { _ in throw Boom() }
        hooks.register(.onError, priority: 0) { _ in seen.append("after") }
        hooks.fire(HookContext(event: .onError))
        #expect(seen.all == ["before", "after"])
        #expect(warnings.all == ["hook for on_error threw: boom"])
    }

    @Test func warningNamesThePluginOfAScopedView() {
        let warnings = Recorder<HookWarning>()
        let hooks = HookRegistry { warnings.append($0) }
        hooks.scoped(owner: "flaky").register(.postExecute) { _ in throw Boom() }
        hooks.fire(HookContext(event: .postExecute))
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.owner == "flaky")
        #expect(warnings.all.first?.event == .postExecute)
        #expect(warnings.all.first?.description == "hook for post_execute (plugin 'flaky') threw: boom")
    }

    @Test func warningHandlerCanBeReplacedLater() {
        let hooks = HookRegistry()
        let warnings = Recorder<HookEvent>()
        hooks.warningHandler = { warnings.append($0.event) }
        hooks.register(.preBuild) { _ in throw Boom() }
        hooks.fire(HookContext(event: .preBuild))
        #expect(warnings.all == [.preBuild])
    }

    @Test func clearAndCount() {
        let hooks = HookRegistry()
        for _ in 0..<3 { hooks.register(.preNode) { _ in } }
        hooks.register(.postNode) { _ in }
        hooks.register(.onError) { _ in }
        #expect(hooks.hookCount() == 5)
        #expect(hooks.hookCount(.preNode) == 3)
        hooks.clear(.preNode)
        #expect(hooks.hookCount(.preNode) == 0)
        #expect(hooks.hookCount() == 2)
        hooks.clear()
        #expect(hooks.hookCount() == 0)
        // A cleared registry still works.
        let seen = Recorder<Int>()
        hooks.register(.preNode) { _ in seen.append(1) }
        hooks.fire(HookContext(event: .preNode))
        #expect(seen.all == [1])
    }

    @Test func prioritiesOfOneOwnerInFiringOrder() {
        let hooks = HookRegistry()
        let alpha = hooks.scoped(owner: "alpha")
        alpha.register(.preNode, priority: -5) { _ in }
        alpha.register(.preNode, priority: 100) { _ in }
        alpha.register(.postExecute) { _ in }
        hooks.scoped(owner: "beta").register(.preNode, priority: 7) { _ in }
        #expect(hooks.priorities(registeredBy: "alpha") == [.preNode: [100, -5], .postExecute: [0]])
        #expect(hooks.priorities(registeredBy: "nobody").isEmpty)
    }

    @Test func scopedViewsShareCallbacksButCountAndClearTheirOwn() {
        let hooks = HookRegistry()
        let seen = Recorder<String>()
        let alpha = hooks.scoped(owner: "alpha")
        let beta = hooks.scoped(owner: "beta")
        alpha.register(.preNode) { _ in seen.append("alpha") }
        alpha.register(.postNode) { _ in seen.append("alpha-post") }
        beta.register(.preNode) { _ in seen.append("beta") }
        hooks.register(.preNode) { _ in seen.append("root") }
        #expect(alpha.hookCount() == 2)
        #expect(beta.hookCount(.preNode) == 1)
        #expect(hooks.hookCount() == 4)
        #expect(hooks.events(registeredBy: "alpha") == [.preNode: 1, .postNode: 1])
        beta.fire(HookContext(event: .preNode))
        #expect(seen.all == ["alpha", "beta", "root"])
        alpha.clear()
        #expect(hooks.hookCount() == 2)
        hooks.removeHooks(owner: "beta")
        #expect(hooks.hookCount() == 1)
        #expect(alpha.sharesCallbacks(with: hooks))
        #expect(!HookRegistry().sharesCallbacks(with: hooks))
    }

    @Test func callbackCanUnregisterItselfAndRegisterOthers() {
        let hooks = HookRegistry()
        let seen = Recorder<String>()
        let handle = Mutex<HookRegistration?>(nil)
        let registration = hooks.register(.preNode) { _ in
            seen.append("once")
            handle.withTrackedLock { $0?.unregister() }
            hooks.register(.preNode, priority: -1) { _ in seen.append("late") }
        }
        handle.withTrackedLock { $0 = registration }
        hooks.fire(HookContext(event: .preNode))
        // The fire in progress used its snapshot: "late" runs from the next fire on.
        #expect(seen.all == ["once"])
        hooks.fire(HookContext(event: .preNode))
        #expect(seen.all == ["once", "late"])
        #expect(hooks.hookCount(.preNode) == 1)
    }

    @Test func callbackCanFireAnotherEvent() {
        let hooks = HookRegistry()
        let seen = Recorder<HookEvent>()
        hooks.register(.preNode) { _ in
            seen.append(.preNode)
            hooks.fire(HookContext(event: .postNode))
        }
        hooks.register(.postNode) { _ in seen.append(.postNode) }
        hooks.fire(HookContext(event: .preNode))
        #expect(seen.all == [.preNode, .postNode])
    }

    @Test func contextCarriesEveryField() throws {
        let hooks = HookRegistry()
        let dag = try DAG(nodes: [DAGNode(name: "a")], edges: [])
        let captured = Recorder<HookContext>()
        hooks.register(.onError) { captured.append($0) }
        let result = NodeResult(name: "a", status: .failed, durationSeconds: 1.5, error: Boom())
        let execution = ExecutionResult(nodeResults: ["a": result], totalDurationSeconds: 2)
        hooks.fire(
            HookContext(
                event: .onError, dag: dag, nodeName: "a", nodeResult: result, error: Boom(),
                executionResult: execution, metadata: ["extra": "info"]))
        let context = try #require(captured.all.first)
        #expect(context.dag === dag)
        #expect(context.nodeName == "a")
        #expect(context.nodeResult?.status == .failed)
        #expect(context.nodeResult?.durationSeconds == 1.5)
        #expect(context.error is Boom)
        #expect(context.executionResult?.failed == 1)
        #expect(context.metadata == ["extra": "info"])
    }

    @Test func emitterContextCarriesEveryNodeField() throws {
        let hooks = HookRegistry { _ in }
        let dag = try DAG(nodes: [DAGNode(name: "a"), DAGNode(name: "b")], edges: [])
        let gates = GateController()
        let captured = Recorder<HookContext>()
        hooks.register(.onError) { captured.append($0) }
        hooks.register(.onError, priority: -1) { _ in throw Boom() }
        let result = NodeResult(name: "b", status: .failed, durationSeconds: 0.25, error: Boom())
        NodeEventEmitter(hooks: hooks, dag: dag, gates: gates)
            .fire(.onError, nodeName: "b", nodeIndex: 1, nodeResult: result, error: Boom())
        let context = try #require(captured.all.first)
        #expect(context.event == .onError)
        #expect(context.dag === dag)
        #expect(context.nodeName == "b")
        #expect(context.nodeIndex == 1)
        #expect(context.nodeResult === result)
        #expect(context.error is Boom)
        #expect(context.gates === gates)
        #expect(context.executionResult == nil)
        #expect(context.metadata.isEmpty)
    }

    @Test func hasCallbacksFollowsRegistrationsOfEveryView() {
        let hooks = HookRegistry()
        let plugin = hooks.scoped(owner: "plugin")
        #expect(!hooks.hasCallbacks(for: .preNode))
        // Nobody listens: nothing runs and nothing is built.
        NodeEventEmitter(hooks: hooks, dag: nil, gates: nil).fire(.preNode, nodeName: "a", nodeIndex: 0)
        let handle = plugin.register(.preNode) { _ in }
        #expect(hooks.hasCallbacks(for: .preNode) && plugin.hasCallbacks(for: .preNode))
        #expect(!hooks.hasCallbacks(for: .postNode))
        handle()
        #expect(!hooks.hasCallbacks(for: .preNode))
        plugin.register(.postNode) { _ in }
        hooks.clear()
        #expect(!hooks.hasCallbacks(for: .postNode))
    }

    @Test func emitterContextsFollowEachEvent() throws {
        let hooks = HookRegistry { _ in }
        let dag = try DAG(nodes: [DAGNode(name: "a"), DAGNode(name: "b")], edges: [])
        let gates = GateController()
        let emitter = NodeEventEmitter(hooks: hooks, dag: dag, gates: gates)
        let seen = Recorder<HookContext>()
        hooks.register(.preNode) { seen.append($0) }
        hooks.register(.onError) { seen.append($0) }
        let failed = NodeResult(name: "b", status: .failed, error: Boom())
        emitter.fire(.preNode, nodeName: "a", nodeIndex: 0)
        emitter.fire(.onError, nodeName: "b", nodeIndex: 1, nodeResult: failed, error: Boom())
        emitter.fire(.preNode, nodeName: "b", nodeIndex: 1)
        emitter.fire(.postNode, nodeName: "b", nodeIndex: 1)  // nobody listens
        let contexts = seen.all
        try #require(contexts.count == 3)
        #expect(contexts.map(\.event) == [.preNode, .onError, .preNode])
        #expect(contexts.map(\.nodeName) == ["a", "b", "b"])
        #expect(contexts.map(\.nodeIndex) == [0, 1, 1])
        #expect(contexts.allSatisfy { $0.dag === dag && $0.gates === gates && $0.metadata.isEmpty })
        #expect(contexts[0].nodeResult == nil && contexts[0].error == nil)
        #expect(contexts[1].nodeResult === failed && contexts[1].error is Boom)
        // The reused context does not carry the previous node's result along.
        #expect(contexts[2].nodeResult == nil && contexts[2].error == nil)
    }

    @Test func emitterHandlesAnEventFiredFromInsideACallback() throws {
        let hooks = HookRegistry()
        let emitter = NodeEventEmitter(hooks: hooks, dag: nil, gates: nil)
        let seen = Recorder<String>()
        hooks.register(.onError, priority: 10) { context in
            seen.append("error \(context.nodeName ?? "?")")
            // Like a callback that cancels the run: the executor fires more
            // events on this thread before the callback returns.
            emitter.fire(.nodeSkipped, nodeName: "later", nodeIndex: 7)
        }
        hooks.register(.onError) { context in
            seen.append(
                "still \(context.nodeName ?? "?") \(context.nodeIndex ?? -1) \(context.nodeResult?.status.rawValue ?? "-")"
            )
        }
        hooks.register(.nodeSkipped) { context in
            seen.append("skipped \(context.nodeName ?? "?") \(context.nodeIndex ?? -1)")
        }
        emitter.fire(
            .onError, nodeName: "broken", nodeIndex: 3, nodeResult: NodeResult(name: "broken", status: .failed))
        #expect(seen.all == ["error broken", "skipped later 7", "still broken 3 failed"])
    }

    @Test func emitterReleasesTheResultAfterItsEvent() {
        let hooks = HookRegistry()
        hooks.register(.postNode) { _ in }
        let emitter = NodeEventEmitter(hooks: hooks, dag: nil, gates: nil)
        weak var released: NodeResult?
        do {
            let result = NodeResult(name: "a", status: .completed)
            released = result
            emitter.fire(.postNode, nodeName: "a", nodeIndex: 0, nodeResult: result)
        }
        #expect(released == nil)
    }

    @Test func eventRawValuesMatchTheOriginalAPI() {
        #expect(
            HookEvent.lifecycle.map(\.rawValue) == [
                "pre_build", "post_build", "pre_execute", "pre_node", "post_node", "on_error", "post_execute",
            ])
        #expect(HookEvent(rawValue: "on_error") == .onError)
        #expect(HookEvent.allCases.count == 10)
    }
}
