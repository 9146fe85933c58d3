#if canImport(Glibc)
    public import Glibc
#elseif canImport(Musl)
    public import Musl
#elseif canImport(Darwin)
    public import Darwin
#endif

/// Starts child processes the way a program started from a shell expects
/// to start: every signal at its default action, none blocked.
///
/// A plugin runs inside `dagron`, which ignores `SIGPIPE` and, during a run,
/// handles Ctrl-C, Ctrl-Z, `SIGTERM` and hangups itself; the thread a
/// callback runs on may block signals. A child started with `posix_spawn`
/// and no attributes inherits ignored signals and the caller's mask, so a
/// helper tool, a cluster's cancel command or a browser would then survive
/// a broken pipe or ignore Ctrl-C. Spawn with these attributes instead
/// (swift-subprocess already resets signals in its children).
///
/// ```swift
/// var pid: pid_t = 0
/// let failed = ChildProcessSignals.withSpawnAttributes { attributes in
///     posix_spawnp(&pid, "xdg-open", nil, &attributes, argv, environ)
/// }
/// ```
public enum ChildProcessSignals {
    /// Calls `body` with `posix_spawn` attributes that reset every signal to
    /// its default action and unblock them all in the child; with
    /// `ownProcessGroup`, the child also leads a process group of its own
    /// (a terminal's Ctrl-C then does not reach it). The attributes are
    /// valid during the call only.
    public static func withSpawnAttributes<Result>(
        ownProcessGroup: Bool = false, _ body: (inout posix_spawnattr_t) throws -> Result
    ) rethrows -> Result {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var (none, every) = (sigset_t(), sigset_t())
        sigemptyset(&none)
        sigfillset(&every)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &every)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        return try body(&attributes)
    }
}
