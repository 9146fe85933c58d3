import DagronSDK

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs a tool to completion from synchronous code (a plugin's
/// `teardown()`, which cannot await), with standard input, output and
/// error on `/dev/null`.
///
/// Only the child it starts is waited for (`waitpid` on its pid), so other
/// code reaping its own children is not disturbed. After `timeout` seconds
/// the child is killed.
public enum BlockingCommand {
    /// Runs `executable` with `arguments` and dagron's environment.
    /// - Returns: The exit status (128 + N for signal N), or `nil` when it
    ///   could not start or had to be killed.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], timeout: Double = 30) -> Int32? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(
                &actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        // The tool must not inherit what `dagron run` ignores or blocks.
        let spawned = ChildProcessSignals.withSpawnAttributes { attributes in
            (argv + [nil]).withUnsafeBufferPointer { pointers in
                posix_spawn(
                    &pid, executable, &actions, &attributes, UnsafeMutablePointer(mutating: pointers.baseAddress!),
                    environ)
            }
        }
        guard spawned == 0 else { return nil }
        var status: Int32 = 0
        let steps = max(1, Int((min(max(timeout, 0), 3_600) * 100).rounded()))
        for _ in 0..<steps {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return decode(status) }
            if reaped < 0 && errno != EINTR { return nil }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return nil
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
