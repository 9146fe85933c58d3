#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How the process handles the signals a run depends on, before a plugin's
/// code runs, put back if that code changed it.
///
/// In-process plugins share the process's signal handling. A plugin (or a
/// library it loads) that ignores `SIGCHLD` makes the kernel reap every
/// node's process before dagron can wait for it, so every node fails; one
/// that takes over `SIGINT`, `SIGTERM` or `SIGTSTP` keeps Ctrl-C and Ctrl-Z
/// from reaching the run; one that resets `SIGPIPE` lets a closed pipe kill
/// dagron before it writes `result.json`. ``PluginManager`` wraps each
/// plugin's `configure`, `initialize` and `teardown`, and the loading of
/// plugins, in a guard; a change is undone and reported.
struct SignalDispositionGuard {
    /// The signals checked, with their names for messages.
    static let watched: [(number: Int32, name: String)] = [
        (SIGCHLD, "SIGCHLD"), (SIGPIPE, "SIGPIPE"), (SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"),
        (SIGHUP, "SIGHUP"), (SIGQUIT, "SIGQUIT"), (SIGTSTP, "SIGTSTP"), (SIGCONT, "SIGCONT"),
    ]

    private let saved: [sigaction?]

    /// Reads the current handling of every watched signal.
    init() {
        saved = Self.watched.map { Self.current($0.number) }
    }

    /// What the guarded code did to the signals' handling, for a warning;
    /// `nil` when it left them alone. Changed handling is put back first.
    func restore() -> String? {
        var changed: [String] = []
        for (index, signal) in Self.watched.enumerated() {
            guard var before = saved[index], let now = Self.current(signal.number), !Self.same(before, now) else {
                continue
            }
            _ = sigaction(signal.number, &before, nil)
            changed.append(signal.name)
        }
        guard !changed.isEmpty else { return nil }
        return "changed how the process handles \(changed.joined(separator: ", ")); dagron put it back"
    }

    private static func current(_ number: Int32) -> sigaction? {
        var action = sigaction()
        return sigaction(number, nil, &action) == 0 ? action : nil
    }

    /// The same handler (or default/ignore) and the same flags.
    private static func same(_ a: sigaction, _ b: sigaction) -> Bool {
        handler(a) == handler(b) && a.sa_flags == b.sa_flags
    }

    private static func handler(_ action: sigaction) -> UInt {
        #if canImport(Glibc)
            unsafeBitCast(action.__sigaction_handler.sa_handler, to: UInt.self)
        #else
            unsafeBitCast(action.sa_handler, to: UInt.self)
        #endif
    }
}
