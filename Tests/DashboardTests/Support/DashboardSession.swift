import AsyncHTTPClient
@_spi(DagronHost) import DagronSDK
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// A dashboard plugin loaded from its `.so`, configured and initialized on
/// port 0, plus an HTTP client to talk to it (see ``DashboardClient``).
final class DashboardSession: Sendable {
    let plugin: any DagronPlugin
    let hooks: HookRegistry
    let http: DashboardClient
    /// The URL the plugin printed (with `?token=`).
    var url: URL { http.url }
    var port: Int { http.port }
    var token: String { http.token }

    init(settings extra: [String: String] = [:]) throws {
        let urlFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("dagron-dashboard-url-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: urlFile) }
        plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        #expect(plugin.name == "dashboard")
        hooks = HookRegistry()
        var values = ["port": "0", "url_file": urlFile]
        values.merge(extra) { $1 }
        try plugin.configure(PluginSettings(plugin: plugin.name, values))
        try plugin.initialize(hooks: hooks.scoped(owner: plugin.name))
        let text = try String(contentsOfFile: urlFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        http = try DashboardClient(url: text)
    }

    /// Tears the plugin down and closes the client.
    func close() async throws {
        plugin.teardown()
        try await http.close()
    }

    /// Runs `body` with a new session and closes it afterwards, also when
    /// `body` throws (an HTTP client dropped unclosed would trap and hide the error).
    static func with(
        settings: [String: String] = [:], _ body: (DashboardSession) async throws -> Void
    ) async throws {
        let session = try DashboardSession(settings: settings)
        do {
            try await body(session)
        } catch {
            try? await session.close()
            throw error
        }
        try await session.close()
    }

    struct SessionError: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends a request to `path` (which may carry its own query).
    func request(
        _ path: String, method: HTTPMethod = .GET, auth: DashboardClient.Auth = .bearer, host: String? = nil,
        headers extra: [(String, String)] = [], body: String? = nil
    ) async throws -> DashboardClient.Reply {
        try await http.request(path, method: method, auth: auth, host: host, headers: extra, body: body)
    }

    /// `GET /api/state`, decoded.
    func state() async throws -> StateDoc { try await http.state() }

    /// Opens `/api/events` and collects its messages in the background.
    func events(since: String? = nil) async throws -> EventCollector { try await http.events(since: since) }
}

/// Waits until `condition` holds, checking every 50 ms, for up to `timeout`.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw DashboardSession.SessionError(description: "timed out after \(timeout) waiting for \(what)")
}
