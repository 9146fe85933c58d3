import Foundation
import TestSupport

/// `dagron run --plugin dashboard` of a pipeline whose gate waits: `first`
/// runs, `approve` waits for a decision, then `second` runs `touch
/// second.started` (a process the run spawns after the gate). The dashboard
/// listens on port 0 and writes its URL to `dashboard.url` in the scratch
/// folder; `dagron` runs with the soft open-files limit most systems give
/// (1024) unless told otherwise.
struct GatedDashboardRun {
    let dagron: DagronUnderFileLimit
    let scratch: Scratch
    /// The dashboard's port.
    let port: Int
    /// The run's token.
    let token: String
    /// The printed URL, token included.
    let url: String

    static let pipeline = """
        name: gated
        nodes:
          first:
            run: "true"
          approve:
            after: first
            gate:
              message: go on?
              timeout: 10m
          second:
            after: approve
            run: touch second.started
        """

    /// Starts the run with `dashboard.KEY=VALUE` for every entry of `settings`
    /// and waits until the gate waits.
    init(
        in scratch: Scratch, settings: [String: String] = [:], softFileLimit: Int = 1024,
        environment: [String: String] = [:]
    ) throws {
        self.scratch = scratch
        try scratch.write("gated.yml", Self.pipeline)
        var arguments = [
            "run", "gated.yml", "--plain", "--run-dir", "run", "--plugin", "dashboard",
            "--set", "dashboard.port=0", "--set", "dashboard.url_file=\(scratch.path)/dashboard.url",
        ]
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            arguments += ["--set", "dashboard.\(key)=\(value)"]
        }
        let dagron = try DagronUnderFileLimit(
            softFileLimit: softFileLimit, arguments, in: scratch.path, environment: environment)
        self.dagron = dagron
        let printed = waitUntil(timeout: 60) {
            !dagron.process.isRunning || scratch.read("dashboard.url")?.hasSuffix("\n") == true
        }
        guard printed, let line = scratch.read("dashboard.url")?.trimmingCharacters(in: .whitespacesAndNewlines),
            let components = URLComponents(string: line), let port = components.port,
            let token = components.queryItems?.first(where: { $0.name == "token" })?.value
        else {
            dagron.stop()
            throw LoopbackSocket.Failure(
                description: "no dashboard URL in dashboard.url; dagron printed:\n\(dagron.output)")
        }
        self.port = port
        self.token = token
        url = line
        let waiting = waitUntil(timeout: 60) {
            ((try? LoopbackHTTP.request("GET", "/api/state", port: port, token: token))?.body ?? "")
                .contains(#""waitingGates":["approve"]"#)
        }
        guard waiting else {
            dagron.stop()
            throw LoopbackSocket.Failure(description: "the gate never waited; dagron printed:\n\(dagron.output)")
        }
    }

    /// Approves the gate through the dashboard.
    func approve(timeout: Duration = .seconds(30)) throws -> LoopbackHTTP {
        try LoopbackHTTP.request("POST", "/api/gates/approve/approve", port: port, token: token, timeout: timeout)
    }

    /// Opens `/api/events` with the token and waits for its first snapshot
    /// (so the connection is known to be trusted).
    func eventStream(timeout: Duration = .seconds(30)) throws -> LoopbackSocket {
        let socket = try LoopbackSocket(connectingTo: port, timeout: timeout)
        socket.send("GET /api/events?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
        guard socket.waitUntilReceived("event: snapshot", timeout: timeout) else {
            throw LoopbackSocket.Failure(description: "no snapshot on /api/events; got: \(socket.text.prefix(300))")
        }
        return socket
    }
}
