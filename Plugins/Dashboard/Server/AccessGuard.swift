import DagronSDK
import HTTPTypes
import Hummingbird
import Synchronization

/// Refuses every request that does not come with the run's token, or whose
/// `Host` header names something other than the address the server is bound
/// to (a DNS-rebinding page would send its own domain), and adds headers that
/// keep the token and the page to themselves.
///
/// The token is accepted as the `token` query parameter (the printed URL and
/// `EventSource` use it) or as `Authorization: Bearer <token>`. No CORS header
/// is ever sent, so other origins' scripts cannot read any response. A
/// connection whose request passes is trusted by the ``ConnectionLimiter``.
struct AccessGuard: RouterMiddleware {
    typealias Context = DashboardRequestContext

    let token: AccessToken
    let hosts: BoundHosts
    let limiter: ConnectionLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let allowed = hosts.value, allowed.allows(request.head.authority) else {
            throw HTTPError(
                .forbidden, message: "Host '\(request.head.authority ?? "")' is not this dashboard's address")
        }
        guard presentsToken(request) else {
            throw HTTPError(
                .forbidden, message: "missing or wrong token: open the URL the run printed (it ends in ?token=...)")
        }
        limiter.trust(context.channel)
        var response = try await next(request, context)
        response.headers[.cacheControl] = "no-store"
        response.headers[.xContentTypeOptions] = "nosniff"
        // The page URL carries the token: never leak it in a Referer.
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return response
    }

    private func presentsToken(_ request: Request) -> Bool {
        if let given = request.uri.queryParameters["token"], token.matches(given) { return true }
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer", token.matches(parts[1]) { return true }
        }
        return false
    }
}

/// The `Host` header values the dashboard answers to.
struct AllowedHosts: Sendable {
    /// Exact `host:port` values, lowercased.
    let exact: Set<String>
    /// For a wildcard bind (`0.0.0.0`, `::`): any IP literal (never a DNS
    /// name) with this port.
    let wildcardPort: Int?

    init(boundHost: String, port: Int) {
        let host = boundHost.lowercased()
        let loopback: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]"]
        var names: Set<String> = [host]
        if loopback.contains(host) { names.formUnion(["127.0.0.1", "localhost", "[::1]"]) }
        if host.contains(":") && !host.hasPrefix("[") { names.insert("[\(host)]") }
        exact = Set(names.map { "\($0):\(port)" })
        wildcardPort = (host == "0.0.0.0" || host == "::" || host == "[::]") ? port : nil
    }

    func allows(_ authority: String?) -> Bool {
        guard let authority = authority?.lowercased() else { return false }
        if exact.contains(authority) { return true }
        guard let port = wildcardPort else { return false }
        guard authority.hasSuffix(":\(port)") else { return false }
        let name = authority.dropLast(":\(port)".count)
        if name == "localhost" { return true }
        if name.hasPrefix("[") && name.hasSuffix("]") { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }
    }
}

/// The ``AllowedHosts``, set once the server knows its port.
final class BoundHosts: Sendable {
    private let hosts = Mutex<AllowedHosts?>(nil)

    /// The allowed hosts; `nil` until the server is bound (then nothing is allowed).
    var value: AllowedHosts? { hosts.withTrackedLock { $0 } }

    func set(_ value: AllowedHosts) { hosts.withTrackedLock { $0 = value } }
}
