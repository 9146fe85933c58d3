import Synchronization

/// The shared state behind a ``HookRegistry`` and all of its scoped views.
///
/// Writers (register, unregister, clear) work under a mutex and publish, per
/// event, an immutable snapshot of the callbacks through an atomic pointer.
/// `fire` never locks: it announces itself in `activeFires`, loads the current
/// snapshot and runs its callbacks. A replaced snapshot is retired and freed
/// only once no `fire` is in progress (a quiescent-state scheme), so a reader
/// never sees freed memory and never pays for reference counting. Callbacks
/// may therefore register, unregister or fire freely.
final class HookStorage: @unchecked Sendable {
    // @unchecked: `published` is a fixed buffer of atomics that is only read
    // and written atomically; retired snapshots are only touched under `state`.

    struct Entry: Sendable {
        let id: UInt64
        let priority: Int
        let owner: String?
        let callback: HookCallback
    }

    /// One callback, boxed so that a snapshot can call it through a borrowed
    /// reference (no reference counting per call).
    final class Hook: Sendable {
        let callback: HookCallback
        let owner: String?
        init(_ entry: Entry) {
            callback = entry.callback
            owner = entry.owner
        }
    }

    /// An immutable list of callbacks for one event, in firing order.
    final class Snapshot: @unchecked Sendable {
        // @unchecked: `hooks` holds unmanaged references to the boxes that
        // `owners` keeps alive; both are immutable.
        let owners: ContiguousArray<Hook>
        let hooks: ContiguousArray<Unmanaged<Hook>>
        init(_ entries: ContiguousArray<Entry>) {
            owners = ContiguousArray(entries.map(Hook.init))
            hooks = ContiguousArray(owners.map { Unmanaged.passUnretained($0) })
        }
    }

    struct State: Sendable {
        var lists: [ContiguousArray<Entry>] = Array(repeating: [], count: HookEvent.slotCount)
        var nextID: UInt64 = 1
        var warningHandler: @Sendable (HookWarning) -> Void = HookRegistry.standardErrorWarningHandler
        /// Snapshots replaced while a `fire` may still be reading them.
        var retired: [UInt] = []
    }

    let state = Mutex(State())
    /// Per event: the opaque pointer of the current `Snapshot` (retained), or 0.
    private let published: UnsafeMutablePointer<Atomic<UInt>>
    /// How many `fire` calls are between announcing themselves and finishing.
    private let activeFires = Atomic<Int>(0)
    /// Whether `state.retired` may be non-empty (read without the lock).
    private let hasRetired = Atomic<Bool>(false)

    init() {
        published = .allocate(capacity: HookEvent.slotCount)
        for slot in 0..<HookEvent.slotCount { (published + slot).initialize(to: Atomic(0)) }
    }

    deinit {
        for slot in 0..<HookEvent.slotCount {
            Self.release(published[slot].load(ordering: .acquiring))
        }
        published.deinitialize(count: HookEvent.slotCount)
        published.deallocate()
        state.withTrackedLock { state in
            for raw in state.retired { Self.release(raw) }
        }
    }

    private static func release(_ raw: UInt) {
        guard let pointer = UnsafeRawPointer(bitPattern: raw) else { return }
        Unmanaged<Snapshot>.fromOpaque(pointer).release()
    }

    // MARK: Writers (hold the mutex)

    func add(event: HookEvent, priority: Int, owner: String?, callback: @escaping HookCallback) -> UInt64 {
        state.withTrackedLock { state in
            let id = state.nextID
            state.nextID += 1
            let entry = Entry(id: id, priority: priority, owner: owner, callback: callback)
            var list = state.lists[event.slot]
            // Descending priority; equal priorities keep registration order.
            let index = list.firstIndex { $0.priority < priority } ?? list.endIndex
            list.insert(entry, at: index)
            state.lists[event.slot] = list
            publish(event.slot, &state)
            return id
        }
    }

    func remove(id: UInt64, event: HookEvent) {
        state.withTrackedLock { state in
            guard let index = state.lists[event.slot].firstIndex(where: { $0.id == id }) else { return }
            state.lists[event.slot].remove(at: index)
            publish(event.slot, &state)
        }
    }

    func contains(id: UInt64, event: HookEvent) -> Bool {
        state.withTrackedLock { $0.lists[event.slot].contains { $0.id == id } }
    }

    /// Removes the callbacks of `event` (or of every event when `nil`) that
    /// belong to `owner` (or to anyone when `owner` is `nil`).
    func removeAll(event: HookEvent?, owner: String?) {
        state.withTrackedLock { state in
            for candidate in HookEvent.allCases where event == nil || candidate == event {
                let before = state.lists[candidate.slot].count
                if let owner {
                    state.lists[candidate.slot].removeAll { $0.owner == owner }
                } else {
                    state.lists[candidate.slot].removeAll()
                }
                if state.lists[candidate.slot].count != before { publish(candidate.slot, &state) }
            }
        }
    }

    func count(event: HookEvent?, owner: String?) -> Int {
        state.withTrackedLock { state in
            var total = 0
            for candidate in HookEvent.allCases where event == nil || candidate == event {
                let list = state.lists[candidate.slot]
                total += owner == nil ? list.count : list.reduce(0) { $0 + ($1.owner == owner ? 1 : 0) }
            }
            return total
        }
    }

    /// Publishes the list of `slot` as a new snapshot and retires the old one.
    private func publish(_ slot: Int, _ state: inout State) {
        let list = state.lists[slot]
        let new: UInt = list.isEmpty ? 0 : UInt(bitPattern: Unmanaged.passRetained(Snapshot(list)).toOpaque())
        let old = published[slot].exchange(new, ordering: .sequentiallyConsistent)
        if old != 0 {
            state.retired.append(old)
            hasRetired.store(true, ordering: .sequentiallyConsistent)
        }
        reclaimIfQuiescent(&state)
    }

    /// Frees retired snapshots if no `fire` is in progress. Any `fire` that
    /// could still hold one announced itself before loading it, so a count
    /// of zero (sequentially consistent with the exchange) proves none does.
    private func reclaimIfQuiescent(_ state: inout State) {
        guard !state.retired.isEmpty, activeFires.load(ordering: .sequentiallyConsistent) == 0 else { return }
        for raw in state.retired { Self.release(raw) }
        state.retired.removeAll(keepingCapacity: true)
        hasRetired.store(false, ordering: .sequentiallyConsistent)
    }

    // MARK: Reader

    /// Whether a snapshot with callbacks is published for `event`.
    func hasCallbacks(for event: HookEvent) -> Bool {
        published[event.slot].load(ordering: .relaxed) != 0
    }

    /// ``fire(_:)`` for a context the caller keeps and reuses: passed in
    /// place, where a context read from memory the callee could reach is
    /// copied (with its references retained) first.
    func fireInPlace(_ context: inout HookContext) {
        fire(context)
    }

    // Always inlined: a call passes the context through another copy.
    @inline(__always)
    func fire(_ context: HookContext) {
        let cell = published + context.event.slot
        // Nobody listens: one atomic load.
        guard cell.pointee.load(ordering: .relaxed) != 0 else { return }
        activeFires.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if let pointer = UnsafeRawPointer(bitPattern: cell.pointee.load(ordering: .sequentiallyConsistent)) {
            Unmanaged<Snapshot>.fromOpaque(pointer)._withUnsafeGuaranteedRef { snapshot in
                snapshot.hooks.withUnsafeBufferPointer { hooks in
                    for hook in hooks {
                        hook._withUnsafeGuaranteedRef { hook in
                            do {
                                try hook.callback(context)
                            } catch {
                                report(error, of: context.event, from: hook.owner)
                            }
                        }
                    }
                }
            }
        }
        if activeFires.wrappingSubtract(1, ordering: .sequentiallyConsistent).newValue == 0,
           hasRetired.load(ordering: .sequentiallyConsistent) {
            reclaimRetired()
        }
    }

    // Out of line, so that `fire` does not carry the locking code (which
    // reads a thread-local on every call when inlined).
    @inline(never)
    private func reclaimRetired() {
        state.withTrackedLock { reclaimIfQuiescent(&$0) }
    }

    @inline(never)
    private func report(_ error: any Error, of event: HookEvent, from owner: String?) {
        report(HookWarning(event: event, owner: owner, error: error))
    }

    private func report(_ warning: HookWarning) {
        let handler = state.withTrackedLock { $0.warningHandler }
        handler(warning)
    }
}
