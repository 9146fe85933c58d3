import DagronSystemShims
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What spawning a dagron child process with extra descriptors needs: pipes
/// whose ends do not leak into other children, descriptors moved out of the
/// way of the `dup2`s, and C string arrays for `posix_spawn`.
enum SpawnSupport {
    /// `pipe` with both ends close-on-exec (`pipe2` is not visible to Swift
    /// without `_GNU_SOURCE`); `(read, write)`, or `nil` with `errno` set.
    static func makePipe() -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// `fd` if it is above `highest`, else a close-on-exec duplicate above it:
    /// `dup2(n, n)` would keep `FD_CLOEXEC` set, and a low source could be
    /// clobbered by another `dup2` of the same spawn.
    static func moved(_ fd: Int32, above highest: Int32) -> Int32 {
        fd > highest ? fd : fcntl(fd, F_DUPFD_CLOEXEC, highest + 1)
    }

    /// Has the child start in ``InvocationDirectory`` if the process's
    /// working directory is elsewhere now (an in-process plugin changed it):
    /// a dagron child works where the user started dagron. Nothing is added
    /// otherwise, so a child still starts in a directory deleted meanwhile.
    static func startInInvocationDirectory(_ actions: inout posix_spawn_file_actions_t) {
        let home = InvocationDirectory.path
        guard let current = getcwd(nil, 0) else { return }
        defer { free(current) }
        guard String(cString: current) != home else { return }
        _ = dagron_spawn_actions_add_chdir(&actions, home)
    }

    /// Calls `body` with a NULL-terminated C array of `strings`, valid
    /// during the call only. The strings are copied into one temporary
    /// buffer (on the stack when small), not one allocation each.
    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var size = 0
        for string in strings { size += string.utf8.count + 1 }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: max(size, 1)) { bytes in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<CChar>?.self, capacity: strings.count + 1) {
                pointers in
                let base = bytes.baseAddress!
                var offset = 0
                for (index, string) in strings.enumerated() {
                    pointers[index] = base + offset
                    var string = string
                    offset += string.withUTF8 { utf8 in
                        if let source = utf8.baseAddress {
                            UnsafeMutableRawPointer(base + offset).copyMemory(from: source, byteCount: utf8.count)
                        }
                        return utf8.count
                    }
                    base[offset] = 0
                    offset += 1
                }
                pointers[strings.count] = nil
                return body(UnsafePointer(pointers.baseAddress!))
            }
        }
    }

    /// The environment of a dagron child: this process's, with Swift's
    /// crash backtracer off (a crash report is ours to write, and
    /// symbolication is slow), as `NAME=value` strings.
    static func childEnvironment(_ extra: [String: String] = [:]) -> [String] {
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment.merge(extra) { $1 }
        return environment.map { "\($0.key)=\($0.value)" }
    }
}
