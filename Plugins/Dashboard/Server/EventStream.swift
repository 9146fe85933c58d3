import DagronSDK
import FoundationEssentials
import Hummingbird
import NIOCore
import Synchronization

/// The `GET /api/events` Server-Sent Events stream of one client.
///
/// The first message is a `snapshot` (the whole state). After that the stream
/// sends a `patch` with everything that changed since the client's version,
/// at most every ``flushInterval``, however many events happened meanwhile:
/// a run with thousands of nodes costs a client a few messages a second. A
/// `heartbeat` follows after ``heartbeatInterval`` of silence.
///
/// Every message has the id `<run>-<seq>`. A client that reconnects (the
/// browser's `EventSource` sends `Last-Event-ID`, or `?since=<run>-<seq>`)
/// resumes with a patch from there, or a snapshot if its run is over or it
/// fell too far behind. A client that sees a gap (`fromSeq` is not its
/// version) fetches `/api/state` again.
struct EventStream: Sendable {
    static let flushInterval: Duration = .milliseconds(100)
    static let heartbeatInterval: Duration = .seconds(5)

    let state: RunState
    let closing: Closing

    /// Set once, when the server is stopping: every stream ends.
    final class Closing: Sendable {
        private let flag = Atomic<Bool>(false)
        func close() { flag.store(true, ordering: .releasing) }
        var isClosed: Bool { flag.load(ordering: .acquiring) }
    }

    /// Parses `<run>-<seq>`.
    static func cursor(from text: String?) -> RunState.Cursor? {
        guard let parts = text?.split(separator: "-"), parts.count == 2,
            let run = Int(parts[0]), let seq = UInt64(parts[1])
        else { return nil }
        return RunState.Cursor(runID: run, seq: seq)
    }

    func response(resumingFrom cursor: RunState.Cursor?) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await run(&writer, from: cursor)
                try await writer.finish(nil)
            })
    }

    private func run(_ writer: inout any ResponseBodyWriter, from start: RunState.Cursor?) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let clock = ContinuousClock()
        var cursor = start
        try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
        var lastSent = clock.now
        while !closing.isClosed && !Task.isCancelled {
            switch state.update(since: cursor) {
            case .none:
                if clock.now - lastSent >= Self.heartbeatInterval, let cursor {
                    let beat = Heartbeat(run: cursor.runID, seq: cursor.seq, serverTime: WallClock.now())
                    try await send("heartbeat", beat, id: cursor, encoder: encoder, to: &writer)
                    lastSent = clock.now
                }
            case .patch(let patch, let next):
                try await send("patch", patch, id: next, encoder: encoder, to: &writer)
                cursor = next
                lastSent = clock.now
            case .snapshot(let snapshot, let next):
                try await send("snapshot", snapshot, id: next, encoder: encoder, to: &writer)
                cursor = next
                lastSent = clock.now
            }
            try await Task.sleep(for: Self.flushInterval)
        }
    }

    private struct Heartbeat: Encodable {
        let run: Int
        let seq: UInt64
        let serverTime: Double
    }

    private func send(
        _ event: String, _ value: some Encodable, id: RunState.Cursor, encoder: JSONEncoder,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        let json = try encoder.encode(value)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.count + 64)
        buffer.writeString("id: \(id.runID)-\(id.seq)\nevent: \(event)\ndata: ")
        buffer.writeBytes(json)  // JSON never contains a raw newline
        buffer.writeString("\n\n")
        try await writer.write(buffer)
    }
}
