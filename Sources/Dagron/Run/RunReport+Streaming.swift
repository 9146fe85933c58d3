public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension RunReport {
    /// How many nodes are encoded at a time by ``encodeJSON(into:)``.
    static let nodesPerChunk = 512

    /// Hands the report's JSON text to `write` in pieces, followed by a
    /// newline: byte for byte what ``DocumentJSON/encoder()`` gives for the whole
    /// report, without ever holding it whole. The fields around `nodes` are
    /// encoded once, the nodes ``nodesPerChunk`` at a time (each written by
    /// `Node.appendJSON(to:)`, not through `JSONEncoder`'s tree), so writing
    /// the result of a 100,000-node run costs a chunk's memory, not the
    /// document's (about 140 MiB for `JSONEncoder`'s tree of it).
    /// - Throws: what encoding or `write` throws.
    public func encodeJSON(into write: (Data) throws -> Void) throws {
        let encoder = DocumentJSON.encoder()
        var frame = self
        frame.nodes = []
        let text = try encoder.encode(frame)
        // Keys are sorted and strings never hold a raw newline, so this is
        // the top-level key and the next `]` closes its (empty) array.
        guard !nodes.isEmpty, let key = text.range(of: Data("\n  \"nodes\" : [".utf8)),
            let close = text[key.upperBound...].firstIndex(of: UInt8(ascii: "]"))
        else {
            try write(text + Data("\n".utf8))
            return
        }
        try write(text[..<key.upperBound])
        var chunk: [UInt8] = []
        var start = nodes.startIndex
        while start < nodes.endIndex {
            let end = min(start + Self.nodesPerChunk, nodes.endIndex)
            chunk.removeAll(keepingCapacity: true)
            for index in start..<end {
                if index != nodes.startIndex { chunk.append(UInt8(ascii: ",")) }
                try nodes[index].appendJSON(to: &chunk)
            }
            try write(Data(chunk))
            start = end
        }
        try write(Data("\n  ]".utf8))
        try write(text[text.index(after: close)...] + Data("\n".utf8))
    }

    /// Writes the report to `path` as ``encodeJSON(into:)`` gives it,
    /// atomically: into a new file beside it, which is then renamed over
    /// `path`. A reader sees the old file or the whole new one.
    /// - Throws: a `POSIXError` when the file cannot be created, written or
    ///   renamed (the temporary file is removed), or an encoding error.
    public func writeJSON(to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary =
            "\(directory.isEmpty ? "." : directory)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw Self.posixError(errno) }
        var closed = false
        do {
            try encodeJSON { try DescriptorWriting.writeAll($0, to: descriptor) }
            closed = true
            guard close(descriptor) == 0 else { throw Self.posixError(errno) }
            guard rename(temporary, path) == 0 else { throw Self.posixError(errno) }
        } catch {
            if !closed { close(descriptor) }
            unlink(temporary)
            throw error
        }
    }

    private static func posixError(_ code: Int32) -> POSIXError {
        POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
    }
}
