import DagronSDK
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore

/// The dashboard's routes:
///
/// | Route | Answer |
/// |---|---|
/// | `GET /` | the page (self-contained HTML, CSS and JS) |
/// | `GET /api/state` | a ``StateDocument`` |
/// | `GET /api/events` | the ``EventStream`` (Server-Sent Events) |
/// | `POST /api/gates/{name}/approve` | approves a waiting gate |
/// | `POST /api/gates/{name}/reject` | rejects it; reason from `{"reason": "..."}` or `?reason=` |
///
/// Gate decisions answer 200 with the gate's new status, 404 for an unknown
/// gate, and 409 for a gate that is not waiting.
struct DashboardRoutes: Sendable {
    let state: RunState
    let stream: EventStream

    /// The largest request body read (a rejection reason).
    static let maxBodyBytes = 64 * 1024

    func register(on router: Router<DashboardRequestContext>) {
        router.get("/") { _, _ in Self.page() }
        router.get("/api/state") { _, _ in try Self.json(state.snapshot()) }
        router.get("/api/events") { request, _ in
            let resume =
                request.headers[HTTPField.Name("Last-Event-ID")!]
                ?? request.uri.queryParameters["since"].map(String.init)
            return stream.response(resumingFrom: EventStream.cursor(from: resume))
        }
        router.post("/api/gates/:name/approve") { request, context in
            try decide(try context.parameters.require("name"), approve: true, reason: nil)
        }
        router.post("/api/gates/:name/reject") { request, context in
            var request = request
            let reason = try await Self.reason(from: &request, context: context)
            return try decide(try context.parameters.require("name"), approve: false, reason: reason)
        }
    }

    private struct Decision: Codable {
        let gate: String
        let status: String
    }

    private struct RejectBody: Decodable {
        let reason: String?
    }

    private func decide(_ name: String, approve: Bool, reason: String?) throws -> Response {
        do {
            try state.decide(name, approve: approve, reason: reason)
        } catch .unknownGate(let gate) {
            throw HTTPError(.notFound, message: "no gate named '\(gate)' in this run")
        } catch .notWaiting(let gate, let status) {
            throw HTTPError(.conflict, message: "gate '\(gate)' is not waiting (it is \(status))")
        }
        let status = state.gateController.flatMap { try? $0.status(name) }?.rawValue ?? "unknown"
        return try Self.json(Decision(gate: name, status: status))
    }

    private static func reason(from request: inout Request, context: DashboardRequestContext) async throws -> String? {
        if let query = request.uri.queryParameters["reason"] { return String(query) }
        let body = try await request.body.collect(upTo: maxBodyBytes)
        guard body.readableBytes > 0 else { return nil }
        do {
            return try JSONDecoder().decode(RejectBody.self, from: Data(body.readableBytesView)).reason
        } catch {
            throw HTTPError(.badRequest, message: "the body must be JSON like {\"reason\": \"...\"}")
        }
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The page, with a policy that forbids loading anything from elsewhere.
    static func page() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: DashboardPage.html)))
    }
}
