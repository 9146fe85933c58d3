import AsyncHTTPClient
@_spi(DagronHost) import DagronSDK
import Foundation
import NIOCore
import Synchronization

/// One Server-Sent Events message.
struct SSEMessage: Sendable {
    var id: String?
    var event: String
    var data: String
}

/// Reads an SSE response body in the background and keeps every message.
final class EventCollector: Sendable {
    private final class Store: Sendable {
        let messages = Mutex<[SSEMessage]>([])
    }

    private let store = Store()
    private let reader: Task<Void, Never>

    init(body: HTTPClientResponse.Body) {
        let store = self.store
        reader = Task {
            var pending = ""
            do {
                for try await buffer in body {
                    pending += String(buffer: buffer)
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending.removeSubrange(..<end.upperBound)
                        if let message = Self.parse(block) { store.messages.withTrackedLock { $0.append(message) } }
                    }
                }
            } catch {}
        }
    }

    /// Every message so far.
    var all: [SSEMessage] { store.messages.withTrackedLock { $0 } }

    func stop() { reader.cancel() }

    private static func parse(_ block: String) -> SSEMessage? {
        var message = SSEMessage(id: nil, event: "message", data: "")
        var sawData = false
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") { continue }
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let field = String(parts[0])
            var value = parts.count > 1 ? String(parts[1]) : ""
            if value.hasPrefix(" ") { value.removeFirst() }
            switch field {
            case "id": message.id = value
            case "event": message.event = value
            case "data":
                message.data += (sawData ? "\n" : "") + value
                sawData = true
            default: break
            }
        }
        return sawData ? message : nil
    }
}
