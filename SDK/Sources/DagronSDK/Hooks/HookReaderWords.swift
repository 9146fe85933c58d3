public import Synchronization

#if canImport(Glibc)
    public import Glibc
#elseif canImport(Darwin)
    public import Darwin
#endif

/// One word per thread saying how many `fire` calls the thread is inside,
/// so that writers know when a replaced snapshot can be freed without every
/// `fire` paying for a shared atomic counter.
///
/// `fire` finds its thread's word through a pthread key (one library call,
/// no lock, no atomic read-modify-write), raises it with a plain store
/// before it loads a snapshot and lowers it with a release store when its
/// callbacks are done. A writer that wants to free retired snapshots first
/// runs ``heavyBarrier()``: `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`
/// makes every thread of the process execute a full memory barrier, so a
/// `fire` that loaded a snapshot before the writer replaced it has its
/// raised word visible by then, and one that loads after sees the new
/// snapshot. The cost moves from every `fire` (two locked instructions
/// before) to the rare writer (one system call). Where `membarrier` is not
/// available (not Linux, or forbidden by a seccomp filter), ``isAsymmetric``
/// is false and `fire` raises its word with a sequentially consistent
/// exchange instead: one locked instruction, and correct without a barrier.
///
/// A word belongs to one thread at a time; a thread's exit returns it for
/// reuse, so there are as many words as threads ever fired at once. Words
/// are shared by all registries: a `fire` in progress on any registry
/// delays freeing in all of them, until that `fire` (or a later one) ends
/// (see ``HookStorage``).
@usableFromInline
final class HookReaderWords: @unchecked Sendable {
    // @unchecked: `words` is only touched under `lock`; the words themselves
    // are atomics.

    /// The process's words; set up by the first registry.
    static let shared = HookReaderWords()

    /// The pthread key whose per-thread value is the thread's word.
    let key: pthread_key_t
    /// Whether writers run `membarrier` and `fire` may raise its word with a plain store.
    let isAsymmetric: Bool
    /// Every word handed out so far (a word is two `UInt`s: the depth, then 1 while owned).
    private let lock = Mutex<[UInt]>([])
    private let membarrier: MembarrierCall?

    private init() {
        var key = pthread_key_t()
        // The destructor runs when a thread that has a word exits: the word
        // goes back to the pool. Its depth is 0 unless the thread ended
        // inside a callback (pthread_exit), and then it reads no snapshot anymore.
        let created = pthread_key_create(&key) { raw in
            guard let word = raw?.assumingMemoryBound(to: Atomic<UInt>.self) else { return }
            word.pointee.store(0, ordering: .releasing)
            (word + 1).pointee.store(0, ordering: .releasing)
        }
        precondition(created == 0, "dagron: no pthread key left for the hook registry")
        self.key = key
        membarrier = MembarrierCall.register()
        isAsymmetric = membarrier != nil
    }

    /// The calling thread's word (claimed on its first `fire`).
    @inlinable
    static func word(for key: pthread_key_t) -> UnsafeMutablePointer<Atomic<UInt>> {
        if let raw = pthread_getspecific(key) { return raw.assumingMemoryBound(to: Atomic<UInt>.self) }
        return claimWord()
    }

    /// Gives the calling thread a word: a free one, or a new one on a cache line of its own.
    @usableFromInline @inline(never)
    static func claimWord() -> UnsafeMutablePointer<Atomic<UInt>> {
        shared.claimWord()
    }

    private func claimWord() -> UnsafeMutablePointer<Atomic<UInt>> {
        let address = lock.withTrackedLock { words -> UInt in
            for address in words
            where Self.word(at: address + 1 * UInt(MemoryLayout<UInt>.stride)).pointee
                .compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged
            {
                return address
            }
            let raw = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
            let word = raw.bindMemory(to: Atomic<UInt>.self, capacity: 2)
            word.initialize(to: Atomic(0))
            (word + 1).initialize(to: Atomic(1))
            let address = UInt(bitPattern: word)
            words.append(address)
            return address
        }
        let word = Self.word(at: address)
        pthread_setspecific(key, word)
        return word
    }

    /// Makes every thread's earlier stores visible to the caller (see the
    /// type's documentation); nothing when ``isAsymmetric`` is false.
    func heavyBarrier() {
        membarrier?.barrier()
    }

    /// Whether no thread is inside a `fire`. Call ``heavyBarrier()`` first.
    func noFireInProgress() -> Bool {
        lock.withTrackedLock { words in
            words.allSatisfy { Self.word(at: $0).pointee.load(ordering: .sequentiallyConsistent) == 0 }
        }
    }

    private static func word(at address: UInt) -> UnsafeMutablePointer<Atomic<UInt>> {
        // Addresses in `words` come from allocations that are never freed.
        UnsafeMutablePointer(bitPattern: address)!
    }
}

/// `membarrier(2)` with `MEMBARRIER_CMD_PRIVATE_EXPEDITED`, after the
/// process registered for it. Swift cannot call the variadic `syscall(2)`
/// directly, so it is looked up and called with the fixed argument list of
/// this one system call (integer arguments travel in the same registers
/// either way on the System V and AArch64 Linux ABIs).
struct MembarrierCall: Sendable {
    private typealias Syscall = @convention(c) (Int, Int32, UInt32, Int32) -> Int
    private let syscall: Syscall

    /// Registers the process for expedited private barriers; `nil` where
    /// that is impossible (not Linux, old kernel, seccomp).
    static func register() -> MembarrierCall? {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syscall") else { return nil }
            let call = MembarrierCall(syscall: unsafeBitCast(symbol, to: Syscall.self))
            #if arch(x86_64)
                let number = 324
            #else
                let number = 283
            #endif
            let query: Int32 = 0
            let privateExpedited: Int32 = 1 << 3
            let registerPrivateExpedited: Int32 = 1 << 4
            let supported = call.syscall(number, query, 0, 0)
            guard supported > 0, supported & Int(privateExpedited) != 0,
                call.syscall(number, registerPrivateExpedited, 0, 0) == 0,
                call.syscall(number, privateExpedited, 0, 0) == 0
            else { return nil }
            return MembarrierCall(syscall: call.syscall, number: number, command: privateExpedited)
        #else
            return nil
        #endif
    }

    private var number = 0
    private var command: Int32 = 0

    private init(syscall: Syscall, number: Int = 0, command: Int32 = 0) {
        self.syscall = syscall
        self.number = number
        self.command = command
    }

    /// Every thread of the process runs a full memory barrier before this returns.
    func barrier() {
        _ = syscall(number, command, 0, 0)
    }
}
