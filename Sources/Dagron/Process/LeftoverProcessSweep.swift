import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Finds and kills the processes a run's nodes left behind outside their
/// process groups (started with `setsid`, or a new group of their own).
///
/// A leftover is a live descendant of this process (see ``ChildSubreaper``:
/// orphans of the nodes are reparented here) whose environment has
/// `DAGRON_RUN_DIR` set to this run's directory, as every node command's
/// has. Processes that plugins start (a browser opened by the dashboard)
/// lack it and are left alone, and so is anything that is not a
/// descendant, such as another run's processes.
public struct LeftoverProcessSweep: Sendable {
    /// The run directory as node commands see it in `DAGRON_RUN_DIR`.
    public let runDirectory: String
    /// How long leftovers have between `SIGTERM` and `SIGKILL`.
    public let grace: Duration

    /// A sweep for the run whose `DAGRON_RUN_DIR` is `runDirectory` (absolute).
    public init(runDirectory: String, grace: Duration = .seconds(1)) {
        self.runDirectory = runDirectory
        self.grace = grace
    }

    /// The leftovers alive now.
    public func leftovers() -> [Int32] {
        let me = getpid()
        return ProcessTable.current().liveDescendants(of: me)
            .filter { ProcessTable.environmentValue("DAGRON_RUN_DIR", of: $0.id) == runDirectory }
            .map(\.id)
    }

    /// Ends every leftover, for a run whose nodes have all ended: `SIGTERM`,
    /// `SIGKILL` after ``grace`` for what is still alive (and for what appears
    /// meanwhile), and reaps the ones that are this process's children.
    /// Takes at most ``grace`` plus two seconds.
    /// - Returns: How many processes were found.
    @discardableResult
    public func run() async -> Int {
        var signalled = Set<Int32>()
        let clock = ContinuousClock()
        let termDeadline = clock.now + grace
        let killDeadline = termDeadline + .seconds(2)
        while true {
            let alive = leftovers()
            reap(signalled)
            if alive.isEmpty { break }
            let killing = clock.now >= termDeadline
            for pid in alive {
                if killing {
                    kill(pid, SIGKILL)
                } else if !signalled.contains(pid) {
                    kill(pid, SIGTERM)
                    kill(pid, SIGCONT)
                }
                signalled.insert(pid)
            }
            if clock.now >= killDeadline { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        reap(signalled)
        return signalled.count
    }

    /// Kills every leftover with `SIGKILL` at once, repeating for a short while
    /// to catch processes that appear as their parents die. For a run that is
    /// being abandoned (nothing is reaped: the caller exits next).
    /// - Returns: How many processes were killed.
    @discardableResult
    /// - Parameter watching: How long to keep looking even when nothing is
    ///   found: a command another thread was starting shows up (its
    ///   environment set) within moments.
    public func killNow(watching: Duration = .zero) -> Int {
        var killed = Set<Int32>()
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + max(.seconds(2), watching)
        while clock.now < deadline {
            let alive = leftovers()
            if alive.isEmpty && clock.now - start >= watching { break }
            for pid in alive {
                kill(pid, SIGKILL)
                killed.insert(pid)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return killed.count
    }

    /// Reaps those of `pids` that are exited children of this process.
    private func reap(_ pids: Set<Int32>) {
        var status: Int32 = 0
        for pid in pids {
            while waitpid(pid, &status, WNOHANG) < 0 && errno == EINTR {}
        }
    }
}
