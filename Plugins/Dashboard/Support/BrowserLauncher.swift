#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Opens a URL in the user's browser with `xdg-open`, when there is a
/// display to open it on. Without one (a server, CI) it does nothing.
enum BrowserLauncher {
    /// Whether a graphical session is available.
    static var hasDisplay: Bool {
        ["DISPLAY", "WAYLAND_DISPLAY"].contains { name in
            guard let value = getenv(name) else { return false }
            return value.pointee != 0
        }
    }

    /// Starts `xdg-open url` in the background and reaps it; returns whether it was started.
    @discardableResult
    static func open(_ url: String) -> Bool {
        guard hasDisplay else { return false }
        var pid: pid_t = 0
        let arguments = ["xdg-open", url]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        guard posix_spawnp(&pid, "xdg-open", &actions, nil, &argv, environ) == 0 else { return false }
        let child = pid
        Task.detached {
            var status: Int32 = 0
            _ = waitpid(child, &status, 0)
        }
        return true
    }
}
