import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// An HTTP client for one dashboard, given the URL it printed
/// (`http://HOST:PORT/?token=...`): the plugin loaded in the test process
/// (``DashboardSession``) or the one of a `dagron run` child.
final class DashboardClient: Sendable {
    /// The URL the plugin printed (with `?token=`).
    let url: URL
    let port: Int
    let token: String
    let client: HTTPClient
    private let group: MultiThreadedEventLoopGroup

    /// A client for the dashboard at `text`, the printed URL.
    init(url text: String) throws {
        guard let url = URL(string: text), let port = url.port,
            let token = URLComponents(url: url, resolvingAgainstBaseURL: false)?
                .queryItems?.first(where: { $0.name == "token" })?.value
        else {
            throw DashboardSession.SessionError(description: "'\(text)' is not http://HOST:PORT/?token=...")
        }
        self.url = url
        self.port = port
        self.token = token
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        client = HTTPClient(eventLoopGroup: group)
    }

    /// Closes the client.
    func close() async throws {
        try await client.shutdown().get()
        try await group.shutdownGracefully()
    }

    /// How a request authenticates.
    enum Auth {
        case query, bearer, none, wrong
    }

    struct Reply {
        let status: Int
        let headers: HTTPHeaders
        let body: Data

        var text: String { String(decoding: body, as: UTF8.self) }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONDecoder().decode(type, from: body)
        }
    }

    /// Sends a request to `path` (which may carry its own query).
    func request(
        _ path: String, method: HTTPMethod = .GET, auth: Auth = .bearer, host: String? = nil,
        headers extra: [(String, String)] = [], body: String? = nil
    ) async throws -> Reply {
        var target = "http://127.0.0.1:\(port)\(path)"
        let separator = path.contains("?") ? "&" : "?"
        switch auth {
        case .query: target += "\(separator)token=\(token)"
        case .wrong: target += "\(separator)token=\(String(repeating: "0", count: 64))"
        case .bearer, .none: break
        }
        var request = HTTPClientRequest(url: target)
        request.method = method
        if auth == .bearer { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let host { request.headers.add(name: "Host", value: host) }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return Reply(
            status: Int(response.status.code), headers: response.headers, body: Data(collected.readableBytesView))
    }

    /// `GET /api/state`, decoded.
    func state() async throws -> StateDoc {
        let reply = try await request("/api/state")
        #expect(reply.status == 200, "GET /api/state: \(reply.status) \(reply.text)")
        return try reply.decode(StateDoc.self)
    }

    /// Opens `/api/events` and collects its messages in the background.
    func events(since: String? = nil) async throws -> EventCollector {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/events?token=\(token)")
        if let since { request.headers.add(name: "Last-Event-ID", value: since) }
        let response = try await client.execute(request, timeout: .seconds(120))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true)
        return EventCollector(body: response.body)
    }
}
