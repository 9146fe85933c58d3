public import Synchronization

/// The words every `fire` of a registry touches, in one allocation owned by
/// its ``HookStorage``: per event, the address of the published snapshot (or
/// 0); then how many fires are in progress; then whether retired snapshots
/// are waiting to be freed.
///
/// Registry views and node event emitters keep a copy of this (a plain
/// pointer), so firing reaches the words without going through a class
/// reference (which inlinable code would retain and release).
@frozen @usableFromInline
struct HookFireState: @unchecked Sendable {
    // @unchecked: the words are atomics, only ever read and written atomically.
    @usableFromInline let words: UnsafeMutablePointer<Atomic<UInt>>

    /// How many words: one per event, then the two counters.
    static let wordCount = HookEvent.slotCount + 2

    init() {
        words = .allocate(capacity: Self.wordCount)
        for index in 0..<Self.wordCount { (words + index).initialize(to: Atomic(0)) }
    }

    func deallocate() {
        words.deinitialize(count: Self.wordCount)
        words.deallocate()
    }

    /// The published snapshot of the event at `slot`: a `Snapshot`'s opaque
    /// address (retained by the storage), or 0 when it has no callbacks.
    @inlinable
    func published(_ slot: Int) -> UnsafeMutablePointer<Atomic<UInt>> {
        words + slot
    }

    /// How many `fire` calls are between announcing themselves and finishing.
    @inlinable
    var activeFires: UnsafeMutablePointer<Atomic<UInt>> {
        words + HookEvent.slotCount
    }

    /// Non-zero while retired snapshots may be waiting to be freed.
    @inlinable
    var hasRetired: UnsafeMutablePointer<Atomic<UInt>> {
        words + HookEvent.slotCount + 1
    }
}
