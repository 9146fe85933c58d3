import Foundation

/// One HTTP/1.1 exchange over a fresh ``LoopbackSocket`` (`Connection: close`).
struct LoopbackHTTP {
    /// The status code, or 0 when the server closed the connection without answering.
    let status: Int
    /// Everything after the header.
    let body: String

    /// Sends `method path` with the token as a bearer header (when given) and
    /// waits up to `timeout` for the whole answer.
    static func request(
        _ method: String, _ path: String, port: Int, token: String?, timeout: Duration = .seconds(30)
    ) throws -> LoopbackHTTP {
        let socket = try LoopbackSocket(connectingTo: port, timeout: timeout)
        var request =
            "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: 0\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        socket.send(request + "\r\n", timeout: timeout)
        guard socket.waitUntilClosed(timeout: timeout) else {
            throw LoopbackSocket.Failure(description: "\(method) \(path): no complete answer within \(timeout)")
        }
        let text = socket.text
        let statusLine = text.prefix { $0 != "\r" }.split(separator: " ")
        let status = statusLine.count >= 2 ? Int(statusLine[1]) ?? 0 : 0
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return LoopbackHTTP(status: status, body: body)
    }
}
