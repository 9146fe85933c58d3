import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The lock that serializes one run's hook deliveries: re-entrant (a
/// callback may fire events or cancel the run, which fires events, on its
/// own thread), and built on an *adaptive* POSIX mutex, which spins briefly
/// before sleeping.
///
/// Callbacks usually return within a microsecond, sooner than the kernel
/// can put a thread to sleep and wake it again; with two workers delivering
/// at once, spinning halves the executor's per-node cost on wide DAGs
/// compared with a mutex that sleeps at once (`NSRecursiveLock`, or the
/// priority-inheriting futex of `Synchronization.Mutex`). ThreadSanitizer
/// understands POSIX mutexes, so no annotations are needed.
final class DeliveryLock: @unchecked Sendable {
    // @unchecked: `mutex` is only used through pthread calls; `depth` is
    // only touched by the thread that holds the mutex.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let owner = Atomic<UInt>(0)
    private var depth = 0

    /// glibc's `PTHREAD_MUTEX_ADAPTIVE_NP` (not visible to Swift without
    /// `_GNU_SOURCE`). On a C library without it, the mutex is a plain one.
    private static let adaptiveType: Int32 = 3

    init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        #if canImport(Glibc)
            if pthread_mutexattr_settype(&attributes, Self.adaptiveType) != 0 {
                pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_NORMAL))
            }
        #endif
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Takes the lock; on the thread that holds it already, just counts.
    func lock() {
        let me = UInt(pthread_self())
        if owner.load(ordering: .relaxed) == me {
            depth += 1
            return
        }
        pthread_mutex_lock(mutex)
        owner.store(me, ordering: .relaxed)
        depth = 1
    }

    /// Releases one ``lock()``.
    func unlock() {
        depth -= 1
        guard depth == 0 else { return }
        owner.store(0, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
    }
}
