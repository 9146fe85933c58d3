public import Synchronization

#if canImport(Glibc)
    public import Glibc
#elseif canImport(Darwin)
    public import Darwin
#endif

/// The words every `fire` of a registry touches, in one allocation owned by
/// its ``HookStorage``: per event, the address of the published snapshot (or
/// 0); then the pthread key of the threads' ``HookReaderWords``; then 1 when
/// those words may be raised with a plain store (``HookReaderWords/isAsymmetric``);
/// then whether retired snapshots are waiting to be freed.
///
/// Registry views and node event emitters keep a copy of this (a plain
/// pointer), so firing reaches the words without going through a class
/// reference (which inlinable code would retain and release).
@frozen @usableFromInline
struct HookFireState: @unchecked Sendable {
    // @unchecked: the words are atomics, only ever read and written atomically.
    @usableFromInline let words: UnsafeMutablePointer<Atomic<UInt>>

    /// How many words: one per event, then the reader key, the mode and the flag.
    static let wordCount = HookEvent.slotCount + 3

    init() {
        words = .allocate(capacity: Self.wordCount)
        for index in 0..<Self.wordCount { (words + index).initialize(to: Atomic(0)) }
        let readers = HookReaderWords.shared
        (words + HookEvent.slotCount).pointee.store(UInt(readers.key), ordering: .relaxed)
        (words + HookEvent.slotCount + 1).pointee.store(readers.isAsymmetric ? 1 : 0, ordering: .relaxed)
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

    /// The pthread key of ``HookReaderWords/shared``.
    @inlinable
    var readerKey: pthread_key_t {
        pthread_key_t(truncatingIfNeeded: (words + HookEvent.slotCount).pointee.load(ordering: .relaxed))
    }

    /// Whether `fire` may raise its thread's word with a plain store.
    @inlinable
    var readersAreAsymmetric: Bool {
        (words + HookEvent.slotCount + 1).pointee.load(ordering: .relaxed) != 0
    }

    /// Non-zero while retired snapshots may be waiting to be freed.
    @inlinable
    var hasRetired: UnsafeMutablePointer<Atomic<UInt>> {
        words + HookEvent.slotCount + 2
    }
}
