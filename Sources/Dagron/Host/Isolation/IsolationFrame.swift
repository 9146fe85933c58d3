/// The frames of the isolated-plugin protocol.
///
/// Every frame is a 4-byte little-endian payload length, then the payload,
/// whose first byte is the frame kind. The host writes ``HostFrame``s to the
/// child's descriptor 3; the child answers with ``ChildFrame``s on its
/// descriptor 4. Values inside use ``WireWriter``'s encoding.
enum HostFrame: UInt8 {
    /// The plugin's settings: a count, then key and value strings.
    case configure = 1
    /// Initialize the plugin.
    case initialize = 2
    /// A DAG that later events refer to (see ``EventEncoder``).
    case dag = 3
    /// One hook event.
    case event = 4
    /// Tear the plugin down and exit.
    case teardown = 5
    /// The gates of a gate controller that later events refer to.
    case gates = 6
}

/// The frames an isolated plugin's host process answers with.
enum ChildFrame: UInt8 {
    /// The plugin loaded: its name, version and summary.
    case loaded = 1
    /// The last request (configure) succeeded.
    case ok = 2
    /// The last request failed: the error, in words.
    case failed = 3
    /// The plugin initialized: the event slots it has callbacks for.
    case initialized = 4
    /// The plugin was torn down; the process exits next.
    case tornDown = 5
    /// The plugin approved (1) or rejected (0) a gate: its name, the
    /// decision and, for a rejection, an optional reason.
    case gateDecision = 6
    /// Text the plugin printed through ``HostConsole``: the stream (0
    /// output, 1 error), then the text; printed by the parent's console.
    case console = 7
    /// A record the plugin logged through ``HostLog`` (see ``ConsoleFrames``);
    /// emitted to the parent's ``HostLog`` sink.
    case log = 8
}

/// The largest frame either side accepts: 256 MiB.
let maximumFrameLength = 256 << 20

extension WireWriter {
    /// Starts a frame of `kind`; returns where its payload starts, for ``endFrame(_:)``.
    mutating func beginFrame(_ kind: UInt8) -> Int {
        let start = reserveLength()
        byte(kind)
        return start
    }

    /// Ends the frame started at `start`.
    mutating func endFrame(_ start: Int) {
        patchLength(payloadStart: start)
    }
}

/// Splits a byte stream into frames: feed it what `read` returned, then take
/// whole frames out.
struct FrameSplitter {
    private var pending: [UInt8] = []
    private var consumed = 0

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if consumed > 0, consumed >= pending.count / 2 {
            pending.removeFirst(consumed)
            consumed = 0
        }
        pending.append(contentsOf: bytes)
    }

    /// Calls `body` with the payload of each whole frame received so far.
    mutating func forEachFrame(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while pending.count - consumed >= 4 {
            var length = 0
            for index in 0..<4 { length |= Int(pending[consumed + index]) << (8 * index) }
            guard length > 0, length <= maximumFrameLength else { throw WireError.malformed("frame length \(length)") }
            guard pending.count - consumed - 4 >= length else { return }
            let start = consumed + 4
            consumed = start + length
            try pending.withUnsafeBytes { raw in
                try body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]))
            }
        }
    }
}
