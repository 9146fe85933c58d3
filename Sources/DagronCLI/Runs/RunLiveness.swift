import Dagron
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Whether the `dagron run` that owns a run directory is still running.
///
/// Its manifest names the process; that process must exist and, where
/// `/proc` tells, have started no later than the run did: a process id
/// reused by something started afterwards does not count. When in doubt
/// (`/proc` unreadable) a live process id counts as running, so a caller that
/// deletes runs errs on the side of keeping one.
enum RunLiveness {
    /// Whether the run of `manifest` is in progress.
    static func isRunning(_ manifest: RunManifest) -> Bool {
        let pid = manifest.processID
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let started = processStart(pid) else { return true }
        // Clock ticks round the start down; a second of slack covers that.
        return started <= manifest.startedAt + 1
    }

    /// When process `pid` started, seconds since the Unix epoch, from `/proc`.
    static func processStart(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name start with the state (field 3); starttime is field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]), ticks.isFinite else { return nil }
        let perSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard perSecond > 0, let boot = bootTime() else { return nil }
        return boot + ticks / perSecond
    }

    /// The system's boot time, seconds since the Unix epoch (`btime` in `/proc/stat`).
    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
