@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Waits for the ends of node commands' processes: one thread for the whole
/// process, blocked in `epoll_wait` on a Linux pidfd per running command, so
/// a node costs no thread, pipe or signal handler of its own.
///
/// A worker that starts a local attempt waits for that attempt's process
/// itself instead (``DirectExitWait``), and hands the wait back here if it
/// stops waiting before the process ends.
///
/// Only the processes asked about are reaped (`waitid` on their pid), never
/// "any child": other parts of dagron wait for their own children.
/// Where pidfds are missing (Linux before 5.3), each wait falls back to a
/// thread of its own blocked in `waitid`.
final class ChildExitWatcher: Sendable {
    /// How a process ended.
    enum Exit: Sendable, Equatable {
        /// It exited with this status.
        case exited(Int32)
        /// This signal killed it.
        case signaled(Int32)
        /// It could not be waited for (`strerror` of the error): someone else reaped it.
        case lost(String)
    }

    /// The watcher of this process.
    static let shared = ChildExitWatcher()

    private struct Waiter: Sendable {
        let pid: Int32
        let continuation: CheckedContinuation<Exit, Never>
    }

    /// The epoll instance, or -1 when there is none.
    private let poll: Int32
    /// Waiters by their pidfd.
    private let waiters = Mutex<[Int32: Waiter]>([:])

    private init() {
        poll = dagron_exit_poll_create()
        guard poll >= 0 else { return }
        let thread = Thread { [self] in watch() }
        thread.name = "dagron-child-exits"
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// Waits for child `pid` (of this process, not yet reaped) to end, and reaps it.
    func exit(of pid: Int32) async -> Exit {
        await withCheckedContinuation { continuation in
            // A worker starting a local attempt waits for it itself.
            if let direct = DirectExitWait.current,
                direct.hold(DirectExitWait.Held(pid: pid, pidfd: -1, continuation: continuation))
            {
                return
            }
            adopt(pid, pidfd: -1, continuation)
        }
    }

    /// Watches the end of `pid` through `pidfd` (opened here when -1): a
    /// wait from ``exit(of:)``, or one a worker no longer serves (see
    /// ``DirectExitWait``).
    func adopt(_ pid: Int32, pidfd: Int32, _ continuation: CheckedContinuation<Exit, Never>) {
        let pidfd = pidfd >= 0 ? pidfd : (poll >= 0 ? dagron_pidfd_open(pid) : -1)
        guard pidfd >= 0 else { return Self.reapOnAThreadOfItsOwn(pid, continuation) }
        if watch(pidfd, pid: pid, continuation: continuation) { return }
        close(pidfd)
        Self.reapOnAThreadOfItsOwn(pid, continuation)
    }

    /// The fallback without a watched pidfd: a thread blocked in `waitid`.
    private static func reapOnAThreadOfItsOwn(_ pid: Int32, _ continuation: CheckedContinuation<Exit, Never>) {
        Thread.detachNewThread { continuation.resume(returning: reap(pid)) }
    }

    /// Adds `pidfd` to the watched set; `false` if it could not be.
    private func watch(_ pidfd: Int32, pid: Int32, continuation: CheckedContinuation<Exit, Never>) -> Bool {
        waiters.withTrackedLock { $0[pidfd] = Waiter(pid: pid, continuation: continuation) }
        if dagron_exit_poll_add(poll, pidfd) == 0 { return true }
        _ = waiters.withTrackedLock { $0.removeValue(forKey: pidfd) }
        return false
    }

    /// The watching thread's loop.
    private func watch() {
        var ready = [Int32](repeating: -1, count: 64)
        while true {
            let count = dagron_exit_poll_wait(poll, &ready, Int32(ready.count))
            if count < 0 {
                if errno == EINTR { continue }
                // Cannot happen with a valid epoll descriptor; hand every wait to a thread of its own.
                let stranded = waiters.withTrackedLock { waiters in
                    defer { waiters.removeAll() }
                    return waiters
                }
                for (pidfd, waiter) in stranded {
                    close(pidfd)
                    Self.reapOnAThreadOfItsOwn(waiter.pid, waiter.continuation)
                }
                Thread.sleep(forTimeInterval: 0.01)
                continue
            }
            for index in 0..<Int(count) {
                let pidfd = ready[index]
                let waiter = waiters.withTrackedLock { $0.removeValue(forKey: pidfd) }
                dagron_exit_poll_remove(poll, pidfd)
                close(pidfd)
                guard let waiter else { continue }
                waiter.continuation.resume(returning: Self.reap(waiter.pid))
            }
        }
    }

    /// Reaps `pid`, waiting for it if needed.
    static func reap(_ pid: Int32) -> Exit {
        var code: Int32 = 0
        var signal: Int32 = 0
        guard dagron_wait_child(pid, 1, &code, &signal) == 1 else {
            return .lost(String(cString: strerror(errno)))
        }
        return signal != 0 ? .signaled(signal) : .exited(code)
    }
}
