import Synchronization

/// The shared state behind a ``HookRegistry`` and all of its scoped views.
///
/// Registration and removal copy-on-write the per-event lists under a mutex;
/// `fire` takes a snapshot of one list under the mutex and runs the callbacks
/// without holding it, so callbacks may register, unregister or fire freely.
final class HookStorage: Sendable {
    struct Entry: Sendable {
        let id: UInt64
        let priority: Int
        let owner: String?
        let callback: HookCallback
    }

    struct State: Sendable {
        var lists: [ContiguousArray<Entry>] = Array(repeating: [], count: HookEvent.slotCount)
        var nextID: UInt64 = 1
        var warningHandler: @Sendable (HookWarning) -> Void = HookRegistry.standardErrorWarningHandler
    }

    let state = Mutex(State())
    /// Bit `slot` is set while that event has at least one callback, so firing
    /// an event nobody listens to costs one atomic load.
    let nonEmpty = Atomic<UInt32>(0)

    init() {}

    func add(event: HookEvent, priority: Int, owner: String?, callback: @escaping HookCallback) -> UInt64 {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            let entry = Entry(id: id, priority: priority, owner: owner, callback: callback)
            var list = state.lists[event.slot]
            // Descending priority; equal priorities keep registration order.
            let index = list.firstIndex { $0.priority < priority } ?? list.endIndex
            list.insert(entry, at: index)
            state.lists[event.slot] = list
            publish(event: event, count: list.count)
            return id
        }
    }

    func remove(id: UInt64, event: HookEvent) {
        state.withLock { state in
            guard let index = state.lists[event.slot].firstIndex(where: { $0.id == id }) else { return }
            state.lists[event.slot].remove(at: index)
            publish(event: event, count: state.lists[event.slot].count)
        }
    }

    func contains(id: UInt64, event: HookEvent) -> Bool {
        state.withLock { $0.lists[event.slot].contains { $0.id == id } }
    }

    /// Removes the callbacks of `event` (or of every event when `nil`) that
    /// belong to `owner` (or to anyone when `owner` is `nil`).
    func removeAll(event: HookEvent?, owner: String?) {
        state.withLock { state in
            for candidate in HookEvent.allCases where event == nil || candidate == event {
                if let owner {
                    state.lists[candidate.slot].removeAll { $0.owner == owner }
                } else {
                    state.lists[candidate.slot].removeAll()
                }
                publish(event: candidate, count: state.lists[candidate.slot].count)
            }
        }
    }

    func count(event: HookEvent?, owner: String?) -> Int {
        state.withLock { state in
            var total = 0
            for candidate in HookEvent.allCases where event == nil || candidate == event {
                let list = state.lists[candidate.slot]
                total += owner == nil ? list.count : list.reduce(0) { $0 + ($1.owner == owner ? 1 : 0) }
            }
            return total
        }
    }

    /// Called with the lock held, so bit updates happen in list order.
    private func publish(event: HookEvent, count: Int) {
        let bit = UInt32(1) << UInt32(event.slot)
        if count == 0 {
            nonEmpty.bitwiseAnd(~bit, ordering: .releasing)
        } else {
            nonEmpty.bitwiseOr(bit, ordering: .releasing)
        }
    }

    func fire(_ context: HookContext) {
        let slot = context.event.slot
        guard nonEmpty.load(ordering: .acquiring) & (UInt32(1) << UInt32(slot)) != 0 else { return }
        let list = state.withLock { $0.lists[slot] }
        for entry in list {
            do {
                try entry.callback(context)
            } catch {
                let handler = state.withLock { $0.warningHandler }
                handler(HookWarning(event: context.event, owner: entry.owner, error: error))
            }
        }
    }
}
