import DagronSDK
import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A real terminal for a test: a detached tmux session (its own server, on
/// a socket in the scratch folder, no user configuration) running a shell
/// script, read back with `capture-pane`. scripts/test.sh installs tmux
/// when it is missing, so a test never skips for the want of it.
struct TmuxTerminal {
    let socket: String
    let scratch: Scratch

    /// A tmux failure, with what it printed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `script` (shell text, run with `sh`) in a `columns` x `rows`
    /// window. The environment is the tests' (``DagronBinary/environment(adding:)``)
    /// with a real `TERM` and `extra`; the window stays open when the script ends.
    static func start(
        _ script: String, in scratch: Scratch, columns: Int = 120, rows: Int = 40,
        environment extra: [String: String] = [:]
    ) throws -> TmuxTerminal {
        let file = try scratch.write("terminal.sh", script + "\nexec sleep 600\n")
        let terminal = TmuxTerminal(socket: scratch.path + "/tmux.sock", scratch: scratch)
        var environment = DagronBinary.environment(adding: extra)
        environment["TERM"] = "xterm-256color"
        environment.removeValue(forKey: "TMUX")
        _ = try terminal.tmux(
            ["-f", "/dev/null", "new-session", "-d", "-x", "\(columns)", "-y", "\(rows)", "sh " + file],
            environment: environment)
        return terminal
    }

    /// The whole pane, scrollback included, wrapped lines joined back into
    /// the lines that were written (`-J`); with `escapes`, colour codes kept.
    func capture(escapes: Bool = false) throws -> String {
        try tmux(["capture-pane", "-p", "-J", "-S", "-"] + (escapes ? ["-e"] : []))
    }

    /// The pane as the window shows it now: one string per screen row, wrapping as the terminal does.
    func screen() throws -> [String] {
        try tmux(["capture-pane", "-p"]).components(separatedBy: "\n")
    }

    /// Types `keys` into the pane (tmux key names: `C-z`, `Enter`; other
    /// words as text).
    func send(keys: [String]) throws {
        _ = try tmux(["send-keys"] + keys)
    }

    /// Resizes the window.
    func resize(columns: Int, rows: Int) throws {
        _ = try tmux(["resize-window", "-x", "\(columns)", "-y", "\(rows)"])
    }

    /// Waits (up to `timeout` seconds) until the capture contains `text`.
    func waitFor(_ text: String, timeout: Double = 120) -> Bool {
        waitUntil(timeout: timeout) { ((try? capture()) ?? "").contains(text) }
    }

    /// Ends the session and its server.
    func stop() {
        _ = try? tmux(["kill-server"])
    }

    /// Runs `tmux -S socket arguments...` to its end, with `posix_spawn`:
    /// Foundation's `Process` learns of a child's end from a socket the
    /// child inherits, and the server that `new-session` forks keeps it open
    /// for as long as the session lives.
    @discardableResult
    private func tmux(_ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let outputFile = scratch.path + "/tmux-output-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: outputFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The test process blocks most signals in its threads, and a spawned
        // process inherits the mask: a tmux server started with it never sees
        // its pane's end, and `kill-server` left it (and the pane's `sleep
        // 600`) running for ten minutes. Every signal unblocked, at its default.
        let argv = ["tmux", "-S", socket] + arguments
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = ChildProcessSignals.withSpawnAttributes { attributes in
            Self.withCStrings(argv) { cArgv in
                Self.withCStrings(envp) { cEnvp in posix_spawnp(&pid, "tmux", &actions, &attributes, cArgv, cEnvp) }
            }
        }
        guard spawned == 0 else {
            throw Failure(description: "cannot start tmux: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw Failure(description: "tmux \(arguments.joined(separator: " ")): wait status \(status): \(text)")
        }
        return text
    }

    private static func withCStrings<Result>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Result)
        -> Result
    {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
