import DagronSDK

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Opens the dashboard in the user's browser with `xdg-open`, when there is
/// a display to open it on. Without one (a server, CI) it does nothing.
///
/// The tokenized URL never goes on a command line (any user can read every
/// process's arguments in `/proc`): the launcher writes a small page that
/// redirects to it, mode 0600 in a directory of its own (mode 0700), and
/// opens that file. ``RedirectPage/remove()`` deletes both when the
/// dashboard stops.
enum BrowserLauncher {
    /// Whether a graphical session is available.
    static var hasDisplay: Bool {
        ["DISPLAY", "WAYLAND_DISPLAY"].contains { name in
            guard let value = getenv(name) else { return false }
            return value.pointee != 0
        }
    }

    /// The private page that redirects to the dashboard.
    struct RedirectPage: Sendable {
        /// The directory holding it.
        let directory: String
        /// The page itself.
        var file: String { directory + "/open.html" }

        /// Deletes the page and its directory.
        func remove() {
            unlink(file)
            rmdir(directory)
        }
    }

    /// Why the page could not be written.
    struct Failure: Error, CustomStringConvertible {
        /// What went wrong, in words.
        let description: String
    }

    /// Writes a redirect page to `url` and starts `xdg-open` on it in the
    /// background (reaped when it exits); returns the page, or `nil` when
    /// there is no display or `xdg-open` could not be started.
    static func open(_ url: String) throws(Failure) -> RedirectPage? {
        guard hasDisplay else { return nil }
        let page = try writePage(redirectingTo: url)
        var pid: pid_t = 0
        let arguments = ["xdg-open", page.file]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The browser must not inherit what `dagron run` ignores or blocks.
        let spawned = ChildProcessSignals.withSpawnAttributes { attributes in
            posix_spawnp(&pid, "xdg-open", &actions, &attributes, &argv, environ)
        }
        guard spawned == 0 else {
            page.remove()
            return nil
        }
        let child = pid
        Task.detached {
            var status: Int32 = 0
            _ = waitpid(child, &status, 0)
        }
        return page
    }

    /// Creates `$TMPDIR/dagron-dashboard-XXXXXX/open.html` (or under `/tmp`).
    private static func writePage(redirectingTo url: String) throws(Failure) -> RedirectPage {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/dagron-dashboard-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let start = buffer.baseAddress else { return nil }
            return mkdtemp(start).map { String(cString: $0) }
        }
        guard let made else {
            throw Failure(
                description: "cannot create a private directory in \(base): \(String(cString: strerror(errno)))")
        }
        let page = RedirectPage(directory: made)
        let target = htmlEscaped(url)
        let html = """
            <!doctype html>
            <html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
            <meta http-equiv="refresh" content="0; url=\(target)"><title>dagron dashboard</title></head>
            <body><p>Opening <a href="\(target)">the dagron dashboard</a>…</p></body></html>

            """
        do {
            try PrivateFile.save(html, to: page.file)
        } catch {
            page.remove()
            throw Failure(description: "cannot write \(page.file): \(error)")
        }
        return page
    }

    private static func htmlEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
