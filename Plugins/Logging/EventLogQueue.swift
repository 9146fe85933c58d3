import DagronSDK
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Carries hook events from the executor's threads to one background thread
/// (`dagron-log`) that turns them into swift-log records, so building
/// metadata, formatting and writing never run on a worker.
///
/// - Order: events are logged in the order they were enqueued.
/// - Nothing is dropped: when `capacity` events are waiting, the enqueuing
///   thread waits for the writer to catch up.
/// - ``flush()`` returns once everything enqueued before it has been logged
///   and ``LogSink`` has written it out; the plugin flushes at `post_execute`
///   and after every error-level event.
/// - The writer does not poll while idle: after a burst it lingers about a
///   millisecond for more events, then sleeps until the next one arrives.
///   While events trickle in, it pauses briefly between small batches so
///   that each lock and each write to the file covers many events.
final class EventLogQueue: Sendable {
    private struct Waiter {
        var sequence: UInt64
        var semaphore: DispatchSemaphore
    }

    private struct State: Sendable {
        var pending: [EventRecord] = []
        var enqueued: UInt64 = 0
        var logged: UInt64 = 0
        var writerAsleep = false
        var stopping = false
        var waiters: [Waiter] = []
    }

    private static let lingerNanoseconds = 200_000
    private static let lingerRounds = 5
    /// Below this many events, a batch is followed by a pause to gather more.
    private static let busyBatch = 512
    /// The largest batch array (in events) whose storage the writer keeps.
    private static let retainedCapacity = 4_096

    private let capacity: Int
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let writer: WriterThread

    /// Starts the writer thread. `log` runs on it for every event, in order;
    /// `caughtUp` runs on it whenever the queue has been emptied (write out
    /// buffers there).
    init(
        capacity: Int = 16_384,
        log: @escaping @Sendable (EventRecord) -> Void,
        caughtUp: @escaping @Sendable () -> Void
    ) {
        self.capacity = capacity
        writer = WriterThread(name: "dagron-log")
        writer.start { [self] in self.runWriter(log: log, caughtUp: caughtUp) }
    }

    /// Queues `event`. Waits only when the queue is full.
    func enqueue(_ event: EventRecord) {
        let (wakeWriter, waitFor) = state.withTrackedLock { state -> (Bool, UInt64?) in
            guard !state.stopping else { return (false, nil) }
            state.pending.append(event)
            state.enqueued += 1
            let wakeWriter = state.writerAsleep
            state.writerAsleep = false
            let full = state.pending.count >= capacity
            return (wakeWriter, full ? state.enqueued - UInt64(capacity / 2) : nil)
        }
        if wakeWriter { wake.signal() }
        if let waitFor { wait(until: waitFor) }
    }

    /// Returns once every event enqueued so far has been logged and written.
    func flush() {
        let (target, wakeWriter) = state.withTrackedLock { state -> (UInt64, Bool) in
            let wakeWriter = state.writerAsleep
            state.writerAsleep = false
            return (state.enqueued, wakeWriter)
        }
        if wakeWriter { wake.signal() }
        wait(until: target)
    }

    /// Logs what is queued, then stops the writer thread and waits for it to
    /// exit. Later events are ignored.
    func stop() {
        let alreadyStopping = state.withTrackedLock { state -> Bool in
            defer { state.stopping = true }
            return state.stopping
        }
        guard !alreadyStopping else { return }
        wake.signal()
        writer.join()
    }

    private func wait(until sequence: UInt64) {
        let semaphore = DispatchSemaphore(value: 0)
        let done = state.withTrackedLock { state -> Bool in
            if state.logged >= sequence || state.stopping { return true }
            state.waiters.append(Waiter(sequence: sequence, semaphore: semaphore))
            return false
        }
        if !done { semaphore.wait() }
    }

    private func runWriter(log: @Sendable (EventRecord) -> Void, caughtUp: @Sendable () -> Void) {
        var idleRounds = 0
        // The writer's half of a double buffer: handed back empty (storage
        // kept) in exchange for the queued events, so enqueuing does not
        // regrow an array from nothing after every batch.
        var batch: [EventRecord] = []
        while true {
            let stopping = state.withTrackedLock { state -> Bool in
                swap(&batch, &state.pending)
                return state.stopping
            }
            if !batch.isEmpty || stopping {
                // By index: the log function borrows each record in place.
                for index in batch.indices { log(batch[index]) }
                // Written out before anyone waiting for these events is released.
                caughtUp()
                let count = batch.count
                let (satisfied, finished, waiting) = state.withTrackedLock {
                    state -> ([DispatchSemaphore], Bool, Bool) in
                    state.logged += UInt64(count)
                    let finished = state.stopping && state.pending.isEmpty
                    let logged = state.logged
                    let (ready, waiting) = state.waiters.partitioned { finished || $0.sequence <= logged }
                    state.waiters = waiting
                    return (ready.map(\.semaphore), finished, !waiting.isEmpty)
                }
                for semaphore in satisfied { semaphore.signal() }
                if finished { return }
                batch.removeAll(keepingCapacity: batch.capacity <= Self.retainedCapacity)
                idleRounds = 0
                // A busy run trickles events in a few microseconds apart:
                // let them gather instead of taking the lock and writing the
                // file for every handful (nobody is waiting for them).
                if count < Self.busyBatch && !waiting && !stopping {
                    var pause = timespec(tv_sec: 0, tv_nsec: Self.lingerNanoseconds)
                    nanosleep(&pause, nil)
                }
                continue
            }
            // Nothing queued: linger briefly (events of a busy run arrive
            // microseconds apart), then sleep until an enqueue wakes us.
            idleRounds += 1
            if idleRounds <= Self.lingerRounds {
                var pause = timespec(tv_sec: 0, tv_nsec: Self.lingerNanoseconds)
                nanosleep(&pause, nil)
                continue
            }
            let sleep = state.withTrackedLock { state -> Bool in
                guard state.pending.isEmpty && !state.stopping else { return false }
                state.writerAsleep = true
                return true
            }
            if sleep { wake.wait() }
            idleRounds = 0
        }
    }
}

extension Array {
    /// The elements that satisfy `predicate`, and the others, both in order.
    fileprivate func partitioned(_ predicate: (Element) -> Bool) -> ([Element], [Element]) {
        var matching: [Element] = []
        var rest: [Element] = []
        for element in self {
            if predicate(element) { matching.append(element) } else { rest.append(element) }
        }
        return (matching, rest)
    }
}
