public import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension Mutex where Value: Sendable {
    /// Runs `body` with the lock held, like `withLock`, and tells
    /// ThreadSanitizer that consecutive critical sections are ordered.
    ///
    /// On Linux, `Mutex` hands a contended lock from one thread to the next
    /// inside the kernel (a priority-inheriting futex), where ThreadSanitizer
    /// cannot see it; it then reports "races" between critical sections that
    /// the mutex does order. Under ThreadSanitizer this method adds the
    /// acquire/release annotations the sanitizer needs; without it, the cost
    /// is one predictable branch. dagron uses it for every mutex, and plugin
    /// code that is tested under `--sanitize=thread` can too.
    ///
    /// Inlinable, so that callers get a version specialized for their value
    /// and closure instead of a generic call into the SDK per critical section.
    @inlinable
    public borrowing func withTrackedLock<Result: Sendable, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try withLock { (value: inout sending Value) throws(Failure) -> Result in
            guard let hooks = ThreadSanitizerHooks.shared else { return try body(&value) }
            // Annotate before touching `value`: the sanitizer checks the access itself.
            hooks.acquire(hooks.token)
            defer { hooks.release(hooks.token) }
            return try body(&value)
        }
    }
}

/// ThreadSanitizer's annotation entry points, found at run time so that
/// nothing changes in a process that runs without the sanitizer.
@usableFromInline
struct ThreadSanitizerHooks: Sendable {
    @usableFromInline
    typealias Annotation = @convention(c) (UnsafeRawPointer?) -> Void

    @usableFromInline
    let acquire: Annotation
    @usableFromInline
    let release: Annotation
    /// One synchronization address for every tracked lock. The mutex's own
    /// storage cannot be named before it is accessed, so all tracked locks
    /// share this token: the sanitizer then sees a little more ordering than
    /// exists between unrelated locks (never less), which can hide a race
    /// but never invents one.
    let tokenAddress = UInt(bitPattern: UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1))
    @usableFromInline
    var token: UnsafeRawPointer? { UnsafeRawPointer(bitPattern: tokenAddress) }

    /// `nil` unless the ThreadSanitizer runtime is loaded.
    @usableFromInline
    static let shared: ThreadSanitizerHooks? = {
        let process = dlopen(nil, RTLD_NOW)
        guard let acquire = dlsym(process, "__tsan_acquire"), let release = dlsym(process, "__tsan_release") else {
            return nil
        }
        return ThreadSanitizerHooks(
            acquire: unsafeBitCast(acquire, to: Annotation.self),
            release: unsafeBitCast(release, to: Annotation.self))
    }()
}
