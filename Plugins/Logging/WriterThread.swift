import DagronSDK
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A named POSIX thread that runs one closure and can be joined, so
/// ``EventLogQueue/stop()`` returns only once the thread is gone (no thread
/// outlives the plugin's teardown).
final class WriterThread: Sendable {
    private final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    private let name: String
    private let handle = Mutex<pthread_t?>(nil)

    init(name: String) {
        self.name = name
    }

    /// Starts the thread running `body`. Traps if the system refuses a thread.
    func start(_ body: @escaping @Sendable () -> Void) {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread, nil,
            { argument in
                let start = Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue()
                nameCurrentThread(start.name)
                start.body()
                return nil
            }, start)
        precondition(status == 0, "logging: cannot start thread '\(name)': error \(status)")
        handle.withTrackedLock { $0 = thread }
    }

    /// Waits for the thread to finish. Returns at once if it was never
    /// started or was already joined.
    func join() {
        guard
            let thread = handle.withTrackedLock({ handle in
                defer { handle = nil }
                return handle
            })
        else { return }
        _ = pthread_join(thread, nil)
    }
}

/// Names the calling thread (as `ps -L` and /proc show it). glibc's
/// `pthread_setname_np` is not visible to Swift without `_GNU_SOURCE`, so it
/// is looked up at run time; without it the thread stays unnamed.
private func nameCurrentThread(_ name: String) {
    typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setname_np") else { return }
    _ = unsafeBitCast(symbol, to: SetName.self)(pthread_self(), String(name.prefix(15)))
}
