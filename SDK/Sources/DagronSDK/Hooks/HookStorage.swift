public import Synchronization

/// The shared state behind a ``HookRegistry`` and all of its scoped views.
///
/// Writers (register, unregister, clear) work under a mutex and publish, per
/// event, an immutable snapshot of the callbacks through an atomic pointer.
/// `fire` never locks: it raises its thread's word in ``HookReaderWords``
/// (a plain store), loads the current snapshot, runs its callbacks and
/// lowers the word. A replaced snapshot is retired and freed only once no
/// `fire` is in progress on any thread (a quiescent-state scheme), so a
/// reader never sees freed memory and never pays for reference counting or
/// a shared counter. Callbacks may therefore register, unregister or fire
/// freely. The `fire` that ends last frees what was retired meanwhile.
///
/// The reading side is `@inlinable` (with the types and fields it touches
/// `@usableFromInline`) for one reason: an inlinable body is compiled as code
/// outside the module sees it, where ``HookContext`` is an opaque value passed
/// by address, so `fire` hands each callback the caller's context where it
/// lies. Compiled as ordinary module code, the 104-byte context is first
/// loaded and then stored to a temporary for the callbacks: two copies per
/// `fire`. ``HookRegistry/fire(_:)`` is `@inline(never)`, so none of this is
/// ever inlined into a plugin: it stays an implementation detail.
@usableFromInline
final class HookStorage: @unchecked Sendable {
    // @unchecked: retired snapshots are only touched under `state`; the
    // fire state is atomics.

    struct Entry: Sendable {
        let id: UInt64
        let priority: Int
        let owner: String?
        let callback: HookCallback
    }

    /// One callback, boxed so that a snapshot can call it through a borrowed
    /// reference (no reference counting per call). Fixed layout: `fire` reads
    /// its fields directly instead of through (retaining) accessors.
    @_fixed_layout @usableFromInline
    final class Hook: Sendable {
        @usableFromInline let callback: HookCallback
        @usableFromInline let owner: String?
        init(_ entry: Entry) {
            callback = entry.callback
            owner = entry.owner
        }
    }

    /// An immutable list of callbacks for one event, in firing order.
    @_fixed_layout @usableFromInline
    final class Snapshot: @unchecked Sendable {
        // @unchecked: `hooks` holds unmanaged references to the boxes that
        // `owners` keeps alive; both are immutable.
        @usableFromInline let owners: ContiguousArray<Hook>
        @usableFromInline let hooks: ContiguousArray<Unmanaged<Hook>>
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
    /// The published snapshots and the counters that `fire` uses.
    @usableFromInline let fireState = HookFireState()

    init() {}

    deinit {
        for slot in 0..<HookEvent.slotCount {
            Self.release(fireState.published(slot).pointee.load(ordering: .acquiring))
        }
        fireState.deallocate()
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

    /// The priorities of `owner`'s callbacks for each event it hooks, in firing order.
    func priorities(owner: String) -> [HookEvent: [Int]] {
        state.withTrackedLock { state in
            var result: [HookEvent: [Int]] = [:]
            for event in HookEvent.allCases {
                let mine = state.lists[event.slot].filter { $0.owner == owner }.map(\.priority)
                if !mine.isEmpty { result[event] = mine }
            }
            return result
        }
    }

    /// Publishes the list of `slot` as a new snapshot and retires the old one.
    private func publish(_ slot: Int, _ state: inout State) {
        let list = state.lists[slot]
        let new: UInt = list.isEmpty ? 0 : UInt(bitPattern: Unmanaged.passRetained(Snapshot(list)).toOpaque())
        let old = fireState.published(slot).pointee.exchange(new, ordering: .sequentiallyConsistent)
        if old != 0 {
            state.retired.append(old)
            fireState.hasRetired.pointee.store(1, ordering: .sequentiallyConsistent)
        }
        reclaimIfQuiescent(&state)
    }

    /// Frees retired snapshots if no `fire` is in progress. Any `fire` that
    /// could still hold one raised its thread's word before loading it, and
    /// the heavy barrier makes that store visible here (see
    /// ``HookReaderWords``), so words that are all zero prove none does.
    private func reclaimIfQuiescent(_ state: inout State) {
        guard !state.retired.isEmpty else { return }
        let readers = HookReaderWords.shared
        // A word already seen raised means a fire is in progress: no need
        // for the system call (a fire that ends later frees them).
        guard readers.noFireInProgress() else { return }
        readers.heavyBarrier()
        guard readers.noFireInProgress() else { return }
        for raw in state.retired { Self.release(raw) }
        state.retired.removeAll(keepingCapacity: true)
        fireState.hasRetired.pointee.store(0, ordering: .sequentiallyConsistent)
    }

    // MARK: Reader

    /// Whether a snapshot with callbacks is published for `event`.
    func hasCallbacks(for event: HookEvent) -> Bool {
        fireState.published(event.slot).pointee.load(ordering: .relaxed) != 0
    }

    /// ``fire(_:state:storage:)`` for a context the caller keeps in memory
    /// and reuses (the node event emitter).
    @inlinable @inline(never)
    func fireInPlace(_ context: inout HookContext) {
        Self.fire(context, state: fireState, storage: Unmanaged.passUnretained(self))
    }

    /// Runs the callbacks of `context.event` in order, each handed `context`
    /// where it lies. `state` is `storage`'s ``fireState``; `storage` is only
    /// dereferenced on the rare paths (a callback threw, snapshots to free).
    // Always inlined into its two callers (the public `fire` and
    // `fireInPlace`): a call would pass the context through a copy.
    @inlinable @inline(__always)
    static func fire(_ context: HookContext, state: HookFireState, storage: Unmanaged<HookStorage>) {
        let cell = state.published(context.event.slot)
        // Nobody listens: one atomic load.
        guard cell.pointee.load(ordering: .relaxed) != 0 else { return }
        // This thread's count of fires in progress: only this thread writes it.
        let reader = HookReaderWords.word(for: state.readerKey)
        let depth = reader.pointee.load(ordering: .relaxed)
        if state.readersAreAsymmetric {
            // A plain store: writers make it visible with a heavy barrier.
            // The snapshot load below is sequentially consistent, which the
            // compiler never moves above an earlier atomic store.
            reader.pointee.store(depth &+ 1, ordering: .relaxed)
        } else {
            _ = reader.pointee.exchange(depth &+ 1, ordering: .sequentiallyConsistent)
        }
        if let pointer = UnsafeRawPointer(bitPattern: cell.pointee.load(ordering: .sequentiallyConsistent)) {
            Unmanaged<Snapshot>.fromOpaque(pointer)._withUnsafeGuaranteedRef { snapshot in
                snapshot.hooks.withUnsafeBufferPointer { hooks in
                    for hook in hooks {
                        hook._withUnsafeGuaranteedRef { hook in
                            do {
                                try hook.callback(context)
                            } catch {
                                storage._withUnsafeGuaranteedRef {
                                    $0.report(error, of: context.event, from: hook.owner)
                                }
                            }
                        }
                    }
                }
            }
        }
        // Release: every use of the snapshot happens before a writer that
        // reads this 0 frees it.
        reader.pointee.store(depth, ordering: .releasing)
        // The outermost fire of this thread frees what was retired meanwhile
        // (a writer that saw it in progress left that to it). Missing the
        // flag by a hair only delays freeing until a later fire or write.
        if depth == 0, state.hasRetired.pointee.load(ordering: .relaxed) != 0 {
            storage._withUnsafeGuaranteedRef { $0.reclaimRetired() }
        }
    }

    // Out of line, so that `fire` does not carry the locking code (which
    // reads a thread-local on every call when inlined).
    @usableFromInline @inline(never)
    func reclaimRetired() {
        state.withTrackedLock { reclaimIfQuiescent(&$0) }
    }

    @usableFromInline @inline(never)
    func report(_ error: any Error, of event: HookEvent, from owner: String?) {
        report(HookWarning(event: event, owner: owner, error: error))
    }

    private func report(_ warning: HookWarning) {
        let handler = state.withTrackedLock { $0.warningHandler }
        handler(warning)
    }
}
