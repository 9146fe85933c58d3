import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What the dashboard plugin must survive inside a real `dagron run`: floods
/// of connections that never authenticate, and settings with hostile
/// numbers; and where it must never leave its token (command lines, files
/// others can read).
@Suite("Dashboard limits", .serialized)
struct DashboardLimitsTests {
    // MARK: Hostile values

    @Test(
        "a hostile number in a dashboard setting stops the run with exit 2, naming the key",
        arguments: [
            ("port", "1e300"), ("max_connections", "9223372036854775807"), ("idle_timeout", "nan"),
            ("idle_timeout", "1e-12"),
        ])
    func hostileNumber(key: String, value: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("gated.yml", GatedDashboardRun.pipeline)
        let finished = try dagron(
            ["run", "gated.yml", "--plugin", "dashboard", "--set", "dashboard.\(key)=\(value)"],
            in: scratch.path, timeout: 60)
        #expect(finished.status == 2, "\(finished.stderr)")
        #expect(finished.stderr.contains("'\(key)'"), "\(finished.stderr)")
        #expect(finished.stderr.contains(value), "\(finished.stderr)")
        #expect(scratch.read("second.started") == nil)
    }

    // MARK: Connection floods

    @Test(
        "1,100 idle connections without a token hold at most max_connections descriptors and delay neither the gate nor the next node"
    )
    func idleFlood() throws {
        try Self.allowOpenFiles(1100 + 512)  // this process holds the flood's client ends
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // A long idle_timeout: whatever closes connections here is the limit, not the timeout.
        let run = try GatedDashboardRun(in: scratch, settings: ["idle_timeout": "10m"], softFileLimit: 1024)
        defer { run.dagron.stop() }
        let before = run.dagron.openDescriptors

        let flood = try Self.idleConnections(1100, port: run.port)
        // The server closes what it accepts beyond its limit at once (long
        // before the timeout). Not every connection reaches it: the kernel
        // queues only `backlog` (256) of them, and a client whose handshake
        // ended in a full queue thinks itself connected but never is.
        let shed = waitUntil(timeout: 60) { Self.closedCount(flood) >= 100 }
        #expect(shed, "only \(Self.closedCount(flood)) of 1100 idle connections were closed")
        var peak = 0
        let sampled = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < sampled {
            peak = max(peak, run.dagron.openDescriptors)
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(peak <= before + 256 + 8, "dagron held \(peak) descriptors during the flood, \(before) before it")

        let start = ContinuousClock.now
        let state = try LoopbackHTTP.request("GET", "/api/state", port: run.port, token: run.token)
        #expect(state.status == 200)
        #expect(state.body.contains(#""waitingGates":["approve"]"#), "\(state.body.prefix(300))")
        let approved = try run.approve()
        #expect(approved.status == 200, "\(approved.body)")
        #expect(approved.body.contains(#""status":"approved""#))
        #expect(ContinuousClock.now - start < .seconds(20), "state and approval took \(ContinuousClock.now - start)")

        // The node after the gate spawns its process while the flood is still open.
        #expect(waitUntil(timeout: 60) { scratch.read("second.started") != nil }, "\(run.dagron.output)")
        let status = try run.dagron.wait()
        #expect(status == 0, "\(run.dagron.output)")
        #expect(!run.dagron.output.contains("Too many open files"), "\(run.dagron.output)")
        withExtendedLifetime(flood) {}
    }

    @Test(
        "connections without an authenticated request are closed after idle_timeout, whatever they send; an event stream stays"
    )
    func idleTimeout() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let run = try GatedDashboardRun(in: scratch, settings: ["idle_timeout": "1s"])
        defer { run.dagron.stop() }
        let stream = try run.eventStream()

        let idle = try Self.idleConnections(20, port: run.port)
        // A request header trickled a line at a time, never finished.
        let trickle = try LoopbackSocket(connectingTo: run.port)
        trickle.send("GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:\(run.port)\r\n")
        // Complete requests without the token, one after another (each answered 403).
        let guesser = try LoopbackSocket(connectingTo: run.port)
        // An authenticated keep-alive connection that goes quiet after its answer.
        let quiet = try LoopbackSocket(connectingTo: run.port)
        quiet.send(
            "GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:\(run.port)\r\nAuthorization: Bearer \(run.token)\r\n\r\n")
        let everyone = idle + [trickle, guesser, quiet]

        let deadline = ContinuousClock.now + .seconds(60)
        while Self.closedCount(everyone) < everyone.count, ContinuousClock.now < deadline {
            trickle.send("X-Slow: 1\r\n")
            guesser.send("GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:\(run.port)\r\n\r\n")
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(idle.allSatisfy { $0.isClosed }, "\(Self.closedCount(idle)) of 20 idle connections closed")
        #expect(trickle.isClosed, "the trickled header kept its connection open")
        #expect(guesser.isClosed, "requests without the token kept their connection open")
        #expect(guesser.text.hasPrefix("HTTP/1.1 403"), "\(guesser.text.prefix(100))")
        #expect(quiet.isClosed, "an idle keep-alive connection stayed open")
        #expect(quiet.text.hasPrefix("HTTP/1.1 200"), "\(quiet.text.prefix(100))")

        // The stream outlived them all and still delivers.
        let mark = stream.received.count
        #expect(
            stream.waitUntilReceived("event: heartbeat", from: mark, timeout: .seconds(30)),
            "\(stream.text.suffix(300))")
        #expect(!stream.isClosed)

        #expect(try run.approve().status == 200)
        #expect(try run.dagron.wait() == 0, "\(run.dagron.output)")
    }

    @Test(
        "at max_connections the oldest unauthenticated connection makes room; authenticated ones are never closed for a newcomer"
    )
    func authenticatedConnectionsKeepTheirPlace() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let run = try GatedDashboardRun(in: scratch, settings: ["max_connections": "4", "idle_timeout": "10m"])
        defer { run.dagron.stop() }
        let first = try run.eventStream()
        let second = try run.eventStream()

        let flood = try Self.idleConnections(30, port: run.port)
        let shed = waitUntil(timeout: 60) { Self.closedCount(flood) >= 28 }
        #expect(shed, "\(Self.closedCount(flood)) of 30 idle connections closed with room for 2")
        // An authenticated request still gets in (an idle connection makes room).
        #expect(try LoopbackHTTP.request("GET", "/api/state", port: run.port, token: run.token).status == 200)
        for stream in [first, second] {
            #expect(
                stream.waitUntilReceived("event: heartbeat", from: stream.received.count, timeout: .seconds(30)),
                "an event stream lost to the flood: \(stream.text.suffix(200))")
        }

        // Four authenticated streams fill every place: a newcomer is closed at once, unanswered.
        let third = try run.eventStream()
        let fourth = try run.eventStream()
        let newcomer = try LoopbackSocket(connectingTo: run.port)
        newcomer.send(
            "GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:\(run.port)\r\nAuthorization: Bearer \(run.token)\r\n\r\n")
        #expect(newcomer.waitUntilClosed(timeout: .seconds(30)), "a fifth connection was kept beyond max_connections=4")
        #expect(newcomer.text.isEmpty, "\(newcomer.text.prefix(100))")
        for stream in [first, second, third, fourth] {
            stream.readAvailable()
            #expect(!stream.isClosed)
        }

        // A place freed is a place for the next client.
        first.shutDown()
        let served = waitUntil(timeout: 30) {
            (try? LoopbackHTTP.request("GET", "/api/state", port: run.port, token: run.token))?.status == 200
        }
        #expect(served)
        #expect(try run.approve().status == 200)
        #expect(try run.dagron.wait() == 0, "\(run.dagron.output)")
        withExtendedLifetime(flood) {}
    }

    // MARK: The token stays private

    @Test(
        "open_browser gives xdg-open a 0600 page that redirects to the URL, every signal at its default; no command line carries the token"
    )
    func openBrowserKeepsTheTokenOffCommandLines() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let bin = scratch.path + "/bin"
        let capture = scratch.path + "/capture"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: capture, withIntermediateDirectories: true)
        // A stand-in for xdg-open that records what it was given.
        let opener = try scratch.write(
            "bin/xdg-open",
            """
            #!/bin/sh
            printf '%s\\n' "$@" > "$CAPTURE/argv"
            stat -c %a "$1" > "$CAPTURE/mode"
            stat -c %a "$(dirname "$1")" > "$CAPTURE/directory-mode"
            cat "$1" > "$CAPTURE/page"
            grep -E '^Sig(Blk|Ign):' /proc/self/status > "$CAPTURE/signals"
            : > "$CAPTURE/done"

            """)
        chmod(opener, 0o755)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let run = try GatedDashboardRun(
            in: scratch, settings: ["open_browser": "true"],
            environment: ["PATH": bin + ":" + path, "DISPLAY": ":99", "CAPTURE": capture])
        defer { run.dagron.stop() }
        #expect(
            waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: capture + "/done") },
            "xdg-open was not started: \(run.dagron.output)")

        let argv = (scratch.read("capture/argv") ?? "").split(separator: "\n").map(String.init)
        #expect(argv.count == 1, "\(argv)")
        #expect(!argv.contains { $0.contains(run.token) }, "the token is on xdg-open's command line: \(argv)")
        let page = try #require(argv.first)
        #expect(page.hasSuffix(".html"))
        #expect(scratch.read("capture/mode") == "600\n")
        #expect(scratch.read("capture/directory-mode") == "700\n")
        let html = scratch.read("capture/page") ?? ""
        #expect(html.contains(#"http-equiv="refresh" content="0; url=\#(run.url)""#), "\(html)")
        #expect(try Self.mode(of: page) == 0o600)
        // The browser does not inherit what `dagron run` ignores (Ctrl-C,
        // SIGHUP, Ctrl-Z...) or blocks.
        #expect(
            standardSignalsAtTheirDefault(scratch.read("capture/signals") ?? ""),
            "\(scratch.read("capture/signals") ?? "")")
        // The URL file is private too, and no process on the machine shows the token.
        #expect(try Self.mode(of: scratch.path + "/dashboard.url") == 0o600)
        #expect(Self.commandLines(containing: run.token).isEmpty)

        #expect(try run.approve().status == 200)
        #expect(try run.dagron.wait() == 0, "\(run.dagron.output)")
        #expect(!FileManager.default.fileExists(atPath: page), "the redirect page outlived the run")
    }

    // MARK: Helpers

    /// Opens `count` connections that never send a byte, and waits until each is established.
    static func idleConnections(_ count: Int, port: Int) throws -> [LoopbackSocket] {
        var sockets: [LoopbackSocket] = []
        sockets.reserveCapacity(count)
        for _ in 0..<count { sockets.append(try LoopbackSocket(startingConnectionTo: port)) }
        for (index, socket) in sockets.enumerated() where try !socket.waitUntilConnected(timeout: .seconds(60)) {
            throw LoopbackSocket.Failure(description: "idle connection \(index + 1) of \(count) never connected")
        }
        return sockets
    }

    /// How many of `sockets` the server has closed.
    static func closedCount(_ sockets: [LoopbackSocket]) -> Int {
        sockets.reduce(0) { count, socket in
            socket.readAvailable()
            return count + (socket.isClosed ? 1 : 0)
        }
    }

    /// Raises this process's soft open-files limit to at least `count`.
    static func allowOpenFiles(_ count: Int) throws {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            throw LoopbackSocket.Failure(description: "getrlimit: \(String(cString: strerror(errno)))")
        }
        let wanted = rlim_t(count)
        guard limit.rlim_cur < wanted else { return }
        guard limit.rlim_max >= wanted else {
            throw LoopbackSocket.Failure(
                description: "this test needs \(count) open files; the hard limit is \(limit.rlim_max)")
        }
        limit.rlim_cur = wanted
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            throw LoopbackSocket.Failure(description: "setrlimit: \(String(cString: strerror(errno)))")
        }
    }

    /// The permission bits of `path`.
    static func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int) ?? -1
    }

    /// The process ids whose command line contains `text`.
    static func commandLines(containing text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            return String(decoding: data, as: UTF8.self).contains(text) ? pid : nil
        }
    }
}
