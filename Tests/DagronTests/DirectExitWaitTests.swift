import Foundation
import Testing

@testable import Dagron

#if canImport(Glibc)
    import Glibc
#endif

/// A worker waits for its attempt's process itself (`DirectExitWait`), and
/// whatever it stops waiting for goes to the pid watcher: every process is
/// reaped and every waiter resumed, with the process's real exit status.
@Suite("DirectExitWait", .timeLimit(.minutes(1)))
struct DirectExitWaitTests {
    /// Starts `/bin/sh -c script`; its pid.
    private func spawn(_ script: String) throws -> Int32 {
        var pid: Int32 = 0
        let arguments = ["/bin/sh", "-c", script]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ)
        try #require(status == 0, "posix_spawn: \(status)")
        return pid
    }

    /// Starts a task that waits for `pid` the way a local attempt does:
    /// begun on this thread, on the inline executor, with `wait` as its
    /// thread's direct wait.
    private func waiter(for pid: Int32, holding wait: DirectExitWait) -> Task<ChildExitWatcher.Exit, Never> {
        DirectExitWait.starting(wait) {
            Task(executorPreference: InlineTaskExecutor.shared) { await ChildExitWatcher.shared.exit(of: pid) }
        }
    }

    @Test func theStartingThreadServesTheWaitAndTheWaiterGoesOnThere() async throws {
        let pid = try spawn("exit 3")
        let wait = DirectExitWait()
        let task = waiter(for: pid, holding: wait)
        #expect(wait.serve(timeout: .seconds(30)))
        #expect(await task.value == .exited(3))
        // Served: nothing is left to wait for or hand over.
        #expect(wait.serve(timeout: .zero))
        wait.handOver()
    }

    /// The descriptors of this process that are pidfds of `pid` (their
    /// `fdinfo` names it).
    private func pidfds(of pid: Int32) -> [String] {
        let directory = "/proc/self/fdinfo"
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return descriptors.filter { descriptor in
            let info = (try? String(contentsOfFile: "\(directory)/\(descriptor)", encoding: .utf8)) ?? ""
            return info.split(separator: "\n").contains("Pid:\t\(pid)")
        }
    }

    @Test func aWaitWithoutALimitIsServedWithoutAPidfd() async throws {
        let pid = try spawn("sleep 0.2; exit 9")
        let wait = DirectExitWait()
        let task = waiter(for: pid, holding: wait)
        #expect(pidfds(of: pid).isEmpty, "a held wait opened a pidfd")
        #expect(wait.serve(timeout: nil))
        #expect(await task.value == .exited(9))
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the process was not reaped")
    }

    @Test func aWaitWithALimitOpensAPidfdAndClosesItOnceServed() async throws {
        let pid = try spawn("sleep 0.3; exit 8")
        let wait = DirectExitWait()
        let task = waiter(for: pid, holding: wait)
        #expect(!wait.serve(timeout: .milliseconds(10)), "the process cannot have ended yet")
        #expect(pidfds(of: pid).count == 1)
        #expect(wait.serve(timeout: .seconds(30)))
        #expect(await task.value == .exited(8))
        #expect(pidfds(of: pid).isEmpty, "the pidfd was left open")
    }

    @Test func aWaitNoLongerServedIsHandedToTheWatcher() async throws {
        let pid = try spawn("sleep 0.3; exit 4")
        let wait = DirectExitWait()
        let task = waiter(for: pid, holding: wait)
        #expect(!wait.serve(timeout: .milliseconds(10)), "the process cannot have ended yet")
        wait.handOver()
        #expect(await task.value == .exited(4))
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the process was not reaped")
    }

    @Test func onlyTheFirstWaitIsHeldAndOthersGoToTheWatcher() async throws {
        let first = try spawn("exit 5")
        let second = try spawn("exit 6")
        let wait = DirectExitWait()
        let held = waiter(for: first, holding: wait)
        let watched = waiter(for: second, holding: wait)
        #expect(await watched.value == .exited(6))
        #expect(wait.serve(timeout: .seconds(30)))
        #expect(await held.value == .exited(5))
    }

    @Test func withoutAWaitOnItsThreadAnAttemptUsesTheWatcher() async throws {
        let pid = try spawn("exit 7")
        let task = Task(executorPreference: InlineTaskExecutor.shared) { await ChildExitWatcher.shared.exit(of: pid) }
        #expect(await task.value == .exited(7))
        #expect(DirectExitWait.current == nil)
    }
}
