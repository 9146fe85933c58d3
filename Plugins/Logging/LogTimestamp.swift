#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant, taken when a hook event happens and printed later.
struct LogTimestamp: Sendable {
    var seconds: Int
    var nanoseconds: Int

    /// The current time (`CLOCK_REALTIME`).
    static func now() -> LogTimestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return LogTimestamp(seconds: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec))
    }

    /// The time of the hook event the current thread is logging, while it
    /// runs the body of ``withEventTime(_:_:)``; the plugin's own handler
    /// prints it instead of the time the record reaches it.
    ///
    /// A thread-specific slot rather than a `@TaskLocal`: the `dagron-log`
    /// thread is not a task, and a task-local binding outside a task
    /// allocates on every push (a measurable share of each log record).
    static var ofEvent: LogTimestamp? {
        guard let slot = pthread_getspecific(eventTimeKey) else { return nil }
        return slot.assumingMemoryBound(to: LogTimestamp.self).pointee
    }

    /// Runs `body` with ``ofEvent`` set to `time` on this thread.
    static func withEventTime<Result>(_ time: LogTimestamp, _ body: () -> Result) -> Result {
        let previous = pthread_getspecific(eventTimeKey)
        defer { pthread_setspecific(eventTimeKey, previous) }
        return withUnsafePointer(to: time) { pointer in
            pthread_setspecific(eventTimeKey, pointer)
            return body()
        }
    }
}

/// The slot behind ``LogTimestamp/ofEvent``: it holds a pointer to the time
/// on the stack of the ``LogTimestamp/withEventTime(_:_:)`` call in progress.
private let eventTimeKey: pthread_key_t = {
    var key = pthread_key_t()
    let status = pthread_key_create(&key, nil)
    precondition(status == 0, "pthread_key_create failed: \(status)")
    return key
}()
