import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A headless Chromium driven through the Chrome DevTools Protocol over
/// `--remote-debugging-pipe`: Chromium reads NUL-terminated JSON commands on
/// fd 3 and writes responses and events on fd 4.
///
/// Calls are made one at a time; each blocking exchange runs on a thread of
/// its own so it never holds up Swift's cooperative pool (which serves the
/// dashboard's requests in the same process).
final class DevToolsPipe: @unchecked Sendable {
    // @unchecked: the mutable read buffer and id counter are only used by
    // `exchange`, and callers await each call before making the next.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let pid: pid_t
    private let commands: Int32
    private let replies: Int32
    private var pending: [UInt8] = []
    private var nextID = 0

    /// The browser binary: `$CHROMIUM`, or Debian's `chromium`.
    static var executable: String? {
        let candidates = [
            ProcessInfo.processInfo.environment["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser",
        ]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts Chromium headless with a fresh profile in `profile`; its output goes to `log`.
    init(profile: String, log: String) throws {
        guard let binary = Self.executable else {
            throw Failure(
                description:
                    "Chromium not found: install the Debian package `chromium` (scripts/test.sh does) or set CHROMIUM")
        }
        var toChrome: [Int32] = [0, 0]
        var fromChrome: [Int32] = [0, 0]
        guard pipe(&toChrome) == 0, pipe(&fromChrome) == 0 else {
            throw Failure(description: "pipe: \(String(cString: strerror(errno)))")
        }
        for fd in toChrome + fromChrome { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // dup2 onto 3 and 4 must not find its source already there (it would
        // keep O_CLOEXEC): move the child's ends well above.
        let childIn = fcntl(toChrome[0], F_DUPFD_CLOEXEC, 10)
        let childOut = fcntl(fromChrome[1], F_DUPFD_CLOEXEC, 10)
        close(toChrome[0])
        close(fromChrome[1])
        let arguments = [
            binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--remote-debugging-pipe", "--user-data-dir=\(profile)", "--window-size=1440,1300", "about:blank",
        ]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childIn, 3)
        posix_spawn_file_actions_adddup2(&actions, childOut, 4)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var child: pid_t = 0
        let spawned = posix_spawn(&child, binary, &actions, nil, &argv, environ)
        close(childIn)
        close(childOut)
        guard spawned == 0 else {
            close(toChrome[1])
            close(fromChrome[0])
            throw Failure(description: "cannot start \(binary): \(String(cString: strerror(spawned)))")
        }
        pid = child
        commands = toChrome[1]
        replies = fromChrome[0]
    }

    /// Sends a command (to a page when `session` is given) and returns its `result`.
    func call(
        _ method: String, _ params: [String: Any] = [:], session: String? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        let data = try JSONSerialization.data(withJSONObject: message)
        let id = nextID
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { [self] in
                continuation.resume(with: Result { try exchange(data, id: id, method: method, timeout: timeout) })
            }
        }
    }

    /// Evaluates `expression` in the page and returns its value.
    func evaluate(_ expression: String, session: String) async throws -> Any? {
        let reply = try await call(
            "Runtime.evaluate",
            ["expression": expression, "returnByValue": true, "awaitPromise": true],
            session: session)
        if let exception = reply["exceptionDetails"] {
            throw Failure(description: "script failed: \(exception)")
        }
        return (reply["result"] as? [String: Any])?["value"]
    }

    private func exchange(_ data: Data, id: Int, method: String, timeout: Duration) throws -> [String: Any] {
        var bytes = [UInt8](data)
        bytes.append(0)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard written > 0 else {
                throw Failure(description: "writing to Chromium: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        let deadline = ContinuousClock.now + timeout
        while true {
            while let end = pending.firstIndex(of: 0) {
                let frame = Data(pending[..<end])
                pending.removeSubrange(...end)
                guard let reply = try JSONSerialization.jsonObject(with: frame) as? [String: Any],
                    reply["id"] as? Int == id
                else { continue }  // an event, or another reply
                if let error = reply["error"] { throw Failure(description: "\(method) failed: \(error)") }
                return reply["result"] as? [String: Any] ?? [:]
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw Failure(description: "no reply to \(method) within \(timeout)") }
            var poller = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left.components.seconds * 1000 + 1, 1000)))
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(replies, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "Chromium closed the pipe (see its log)") }
            pending.append(contentsOf: chunk[..<count])
        }
    }

    /// Closes the browser and waits for it to exit.
    func shutdown() async {
        _ = try? await call("Browser.close", timeout: .seconds(10))
        close(commands)
        close(replies)
        let pid = self.pid
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                var status: Int32 = 0
                for _ in 0..<100 {
                    if waitpid(pid, &status, WNOHANG) == pid {
                        continuation.resume()
                        return
                    }
                    usleep(100_000)
                }
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                continuation.resume()
            }
        }
    }
}
