import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP client for the tests, on its own one-thread event-loop group.
final class TestHTTPClient: Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let client: HTTPClient

    init() {
        client = HTTPClient(eventLoopGroup: group)
    }

    /// GETs `url`; returns the status code and the body as text.
    func get(_ url: String) async throws -> (status: Int, body: String) {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// GETs `url`; returns the status code, the response's headers and the body as text.
    func getWithHeaders(_ url: String) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers, String(buffer: body))
    }

    /// POSTs an empty body to `url`; returns the status code and the body as text.
    func post(_ url: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// GETs `url` and parses a JSON object.
    func getJSON(_ url: String) async throws -> [String: Any] {
        let (_, body) = try await get(url)
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    func shutdown() async throws {
        try await client.shutdown()
        try await group.shutdownGracefully()
    }
}
