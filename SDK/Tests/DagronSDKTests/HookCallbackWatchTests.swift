@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

@Suite("HookCallbackWatch")
struct HookCallbackWatchTests {
    @Test func nothingRunningIsNil() {
        let watch = HookCallbackWatch()
        #expect(watch.current == nil)
        let hooks = HookRegistry()
        hooks.scoped(owner: "p", watch: watch).register(.preNode) { _ in }
        hooks.fire(HookContext(event: .preNode, nodeName: "a"))
        #expect(watch.current == nil)
    }

    @Test func aRunningCallbackIsNamedWithItsEventAndNode() throws {
        let watch = HookCallbackWatch()
        let hooks = HookRegistry()
        let seen = Recorder<HookCallbackWatch.Activity?>()
        hooks.scoped(owner: "slowpoke", watch: watch).register(.postNode) { _ in seen.append(watch.current) }
        hooks.fire(HookContext(event: .postNode, dag: nil, nodeName: "b", nodeIndex: 7))
        hooks.fire(HookContext(event: .postNode, nodeName: "no-index"))
        let activities = seen.all
        try #require(activities.count == 2)
        #expect(activities[0]?.owner == "slowpoke")
        #expect(activities[0]?.phase == .event(.postNode))
        #expect(activities[0]?.nodeIndex == 7)
        #expect(activities[1]?.nodeIndex == nil)
        #expect(activities[0]?.phase.description == "post_node")
        #expect(watch.current == nil)
    }

    @Test func backToBackCallbacksHaveDifferentGenerations() throws {
        let watch = HookCallbackWatch()
        let hooks = HookRegistry()
        let seen = Recorder<HookCallbackWatch.Activity?>()
        hooks.scoped(owner: "p", watch: watch).register(.preNode) { _ in seen.append(watch.current) }
        let context = HookContext(event: .preNode, dag: nil, nodeName: "a", nodeIndex: 0)
        hooks.fire(context)
        hooks.fire(context)
        let activities = seen.all.compactMap { $0 }
        try #require(activities.count == 2)
        #expect(activities[0].owner == activities[1].owner)
        #expect(activities[0].nodeIndex == activities[1].nodeIndex)
        #expect(activities[0] != activities[1], "a second callback looked like the first one still running")
    }

    @Test func aNestedEventShowsTheInnerCallbackThenTheOuterAgain() throws {
        let watch = HookCallbackWatch()
        let hooks = HookRegistry()
        let seen = Recorder<HookCallbackWatch.Activity?>()
        hooks.scoped(owner: "outer", watch: watch).register(.preExecute) { _ in
            seen.append(watch.current)
            hooks.fire(HookContext(event: .gateWaiting, nodeName: "g"))
            seen.append(watch.current)
        }
        hooks.scoped(owner: "inner", watch: watch).register(.gateWaiting) { _ in seen.append(watch.current) }
        hooks.fire(HookContext(event: .preExecute))
        let activities = seen.all
        try #require(activities.count == 3)
        #expect(activities[0]?.owner == "outer")
        #expect(activities[1]?.owner == "inner")
        #expect(activities[1]?.phase == .event(.gateWaiting))
        #expect(activities[2]?.owner == "outer")
        #expect(activities[2]?.phase == .event(.preExecute))
        #expect(activities[2]?.generation != activities[0]?.generation)
        #expect(watch.current == nil)
    }

    @Test func aThrowingCallbackLeavesNothingRunningAndIsStillReported() {
        let warnings = Recorder<String>()
        let hooks = HookRegistry { warnings.append($0.description) }
        let watch = HookCallbackWatch()
        hooks.scoped(owner: "thrower", watch: watch).register(.onError) { _ in throw Boom() }
        hooks.fire(HookContext(event: .onError, nodeName: "x"))
        #expect(watch.current == nil)
        #expect(warnings.all == ["hook for on_error (plugin 'thrower') threw: boom"])
    }

    @Test func callbacksOfUnwatchedViewsAreNotRecorded() {
        let watch = HookCallbackWatch()
        let hooks = HookRegistry()
        let seen = Recorder<HookCallbackWatch.Activity?>()
        hooks.scoped(owner: "plain").register(.preNode) { _ in seen.append(watch.current) }
        hooks.register(.preNode) { _ in seen.append(watch.current) }
        hooks.fire(HookContext(event: .preNode))
        #expect(seen.all.count == 2)
        #expect(seen.all.allSatisfy { $0 == nil })
        #expect(hooks.scoped(owner: "plain").watch == nil)
        #expect(hooks.scoped(owner: "w", watch: watch).watch === watch)
    }

    @Test func lifecycleCodeRunThroughTheWatchIsRecorded() {
        let watch = HookCallbackWatch()
        let during = watch.run(as: "p", .teardown) { watch.current }
        #expect(during?.owner == "p")
        #expect(during?.phase == .teardown)
        #expect(during?.phase.description == "teardown")
        #expect(watch.current == nil)
        #expect(throws: Boom.self) {
            try watch.run(as: "p", .initialize) { throw Boom() }
        }
        #expect(watch.current == nil)
    }

    @Test func ownersBeyondTheLimitAreRegisteredUnwatched() {
        let watch = HookCallbackWatch()
        let hooks = HookRegistry()
        for number in 0..<HookCallbackWatch.maximumOwners {
            watch.run(as: "p\(number)", .configure) {}
        }
        let seen = Recorder<HookCallbackWatch.Activity?>()
        hooks.scoped(owner: "one-too-many", watch: watch).register(.preNode) { _ in seen.append(watch.current) }
        hooks.scoped(owner: "p0", watch: watch).register(.postNode) { _ in seen.append(watch.current) }
        hooks.fire(HookContext(event: .preNode))
        hooks.fire(HookContext(event: .postNode))
        #expect(seen.all.count == 2)
        #expect(seen.all.first == .some(nil))
        #expect(seen.all.last??.owner == "p0")
    }

    @Test func anotherThreadSeesTheCallbackThatIsRunning() {
        let watch = HookCallbackWatch()
        let hooks = HookRegistry()
        let sighting = Recorder<HookCallbackWatch.Activity>()
        hooks.scoped(owner: "blocker", watch: watch).register(.postExecute) { _ in
            // Runs until the other thread has seen it (or 10 s have passed).
            let deadline = Date().addingTimeInterval(10)
            while sighting.all.isEmpty, Date() < deadline { usleep(1000) }
        }
        let watcher = Thread {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if let activity = watch.current {
                    sighting.append(activity)
                    return
                }
                usleep(1000)
            }
        }
        watcher.start()
        hooks.fire(HookContext(event: .postExecute))
        #expect(sighting.all.count == 1)
        #expect(sighting.all.first?.owner == "blocker")
        #expect(sighting.all.first?.phase == .event(.postExecute))
        #expect(watch.current == nil)
    }
}
