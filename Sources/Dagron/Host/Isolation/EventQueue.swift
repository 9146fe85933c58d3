@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization

/// The bytes on their way to an isolated plugin: appended by the run's
/// threads (under a lock, without waiting for the child), written to the
/// child's pipe by a thread of the queue's own.
///
/// The writer sleeps while there is nothing to write and is woken only
/// then, and lets a wake-up gather what arrives in the next few tens of
/// microseconds: on a fast run one `write` carries many events, and the
/// run's threads pay an append, not a system call, per event.
///
/// The queue is bounded: an append that would take it past
/// ``maximumBytes`` fails, and the owner stops the plugin (it fell too far behind).
final class EventQueue: Sendable {
    private struct State: Sendable {
        var writer = WireWriter(capacity: 1 << 16)
        var encoder = EventEncoder()
        var writerAsleep = false
        var closed = false
        var broken = false
        /// How many events were queued.
        var sequence: UInt64 = 0
        /// The last ``recentCount`` events: event slot << 32 | node index + 1.
        var recent = [UInt64](repeating: 0, count: EventQueue.recentCount)
    }

    private static let recentCount = 4096

    /// How many unwritten bytes the queue holds at most.
    let maximumBytes: Int
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let descriptor: Int32
    private let onBroken: @Sendable (Int32) -> Void

    /// What ``append(_:)`` did.
    enum AppendResult {
        /// Queued.
        case queued
        /// Not queued: the queue is closed or its pipe broke.
        case closed
        /// Not queued: it would have held more than ``maximumBytes``.
        case full
    }

    /// Starts a queue writing to `descriptor` (which it closes when done).
    /// `onBroken` is called once, with `errno`, if writing fails (the child is gone).
    init(descriptor: Int32, maximumBytes: Int = 64 << 20, onBroken: @escaping @Sendable (Int32) -> Void) {
        self.descriptor = descriptor
        self.maximumBytes = maximumBytes
        self.onBroken = onBroken
        let thread = Thread { [self] in writeLoop() }
        thread.name = "dagron-plugin-queue"
        thread.start()
    }

    /// Appends frames written by `body`.
    func append(_ body: (inout WireWriter, inout EventEncoder) -> Void) -> AppendResult {
        enqueue { state in
            body(&state.writer, &state.encoder)
        } accepted: { _ in
        }
    }

    /// Appends an event (with the DAG or gates frames it needs first),
    /// numbered from 1 in the order queued.
    func append(_ context: HookContext) -> AppendResult {
        enqueue { state in
            state.encoder.encode(context, into: &state.writer)
        } accepted: { state in
            state.sequence += 1
            let node = UInt64(UInt32(truncatingIfNeeded: (context.nodeIndex ?? -1) + 1))
            state.recent[Int(state.sequence % UInt64(Self.recentCount))] = UInt64(context.event.wireSlot) << 32 | node
        }
    }

    /// Under the lock: `write` appends; past the bound (unless the queue was
    /// empty: one large DAG is not falling behind) it is taken back, else
    /// `accepted` runs and a sleeping writer is woken.
    private func enqueue(_ write: (inout State) -> Void, accepted: (inout State) -> Void) -> AppendResult {
        let (result, signal) = state.withTrackedLock { state -> (AppendResult, Bool) in
            guard !state.closed, !state.broken else { return (.closed, false) }
            let before = state.writer.bytes.count
            write(&state)
            if before > 0, state.writer.bytes.count > maximumBytes {
                state.writer.bytes.removeSubrange(before...)
                return (.full, false)
            }
            accepted(&state)
            let signal = state.writerAsleep
            state.writerAsleep = false
            return (.queued, signal)
        }
        if signal { wake.signal() }
        return result
    }

    /// How many events were queued so far.
    var sequence: UInt64 {
        state.withTrackedLock { $0.sequence }
    }

    /// The event numbered `sequence` and its node, if it is recent enough to be remembered.
    func describe(_ sequence: UInt64) -> (event: HookEvent, node: String?)? {
        state.withTrackedLock { state in
            guard sequence > 0, sequence <= state.sequence, state.sequence - sequence < UInt64(Self.recentCount) else {
                return nil
            }
            let entry = state.recent[Int(sequence % UInt64(Self.recentCount))]
            guard let event = HookEvent(wireSlot: Int(entry >> 32)) else { return nil }
            let index = Int(entry & 0xFFFF_FFFF) - 1
            let names = state.encoder.currentDAG?.nodeNames
            return (event, index >= 0 && index < (names?.count ?? 0) ? names?[index] : nil)
        }
    }

    /// The gate controller the last events carried, for decisions the plugin sends back.
    var gates: GateController? {
        state.withTrackedLock { $0.encoder.currentGates }
    }

    /// Stops accepting; the writer writes what is queued, closes the pipe and ends.
    func close() {
        let signal = state.withTrackedLock { state -> Bool in
            state.closed = true
            defer { state.writerAsleep = false }
            return state.writerAsleep
        }
        if signal { wake.signal() }
    }

    /// Waits until the writer has ended (after ``close()``, or a broken pipe), at most `timeout`.
    /// Returns whether it ended.
    func waitUntilWritten(timeout: Duration) -> Bool {
        let milliseconds =
            Int(min(timeout.components.seconds, 86_400)) * 1000
            + Int(timeout.components.attoseconds / 1_000_000_000_000_000)
        if finished.wait(timeout: .now() + .milliseconds(milliseconds)) == .success {
            finished.signal()
            return true
        }
        return false
    }

    /// How many bytes wait to be written.
    var pendingBytes: Int {
        state.withTrackedLock { $0.writer.bytes.count }
    }

    private func writeLoop() {
        // A child that died makes `write` fail with EPIPE; SIGPIPE, blocked on
        // this thread, must not end a host that does not ignore it.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        var batch: [UInt8] = []
        batch.reserveCapacity(1 << 16)
        defer {
            Foundation.close(descriptor)
            finished.signal()
        }
        while true {
            let (closed, sleep) = state.withTrackedLock { state -> (Bool, Bool) in
                if state.writer.bytes.isEmpty {
                    if state.closed { return (true, false) }
                    state.writerAsleep = true
                    return (false, true)
                }
                swap(&batch, &state.writer.bytes)
                return (false, false)
            }
            if closed { return }
            if sleep {
                wake.wait()
                // Let a burst of events gather before writing it.
                usleep(50)
                continue
            }
            if let failure = writeAll(batch) {
                state.withTrackedLock { state in
                    state.broken = true
                    state.writer.bytes.removeAll()
                }
                onBroken(failure)
                return
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Writes `bytes` whole; the `errno` on failure.
    private func writeAll(_ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { raw -> Int32? in
            var offset = 0
            while offset < raw.count {
                let n = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
    }
}
