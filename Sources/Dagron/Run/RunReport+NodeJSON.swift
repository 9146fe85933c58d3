import DagronSDK
import Foundation

extension RunReport.Node {
    /// Appends the node as an element of `result.json`'s `nodes` array,
    /// byte for byte as ``DocumentJSON/encoder()`` writes it there: keys
    /// sorted, absent optionals left out, two spaces per level at the
    /// nesting of that array, `" : "` between key and value, numbers as
    /// `JSONEncoder` spells them. A test compares the two on varied nodes.
    ///
    /// `JSONEncoder` builds a tree of boxed values for every node and sorts
    /// its keys each time, and its text then had to be indented one level
    /// deeper: about 89,000 instructions a node (callgrind), half of all a
    /// 10,000-node run in-process costs. This writes the same text in about
    /// 13,000. The fields are fixed, so their order is too; a test fails
    /// when `Node` gains a field this does not write.
    ///
    /// - Parameters:
    ///   - bytes: Where to append. The text starts with `\n    {` and ends
    ///     with `\n    }`; the caller writes the commas between nodes.
    /// - Throws: `EncodingError.invalidValue` for a duration or time that is
    ///   not finite, as `JSONEncoder` does.
    func appendJSON(to bytes: inout [UInt8]) throws {
        var writer = FieldWriter()
        // Work on the caller's buffer in place (no copy).
        swap(&writer.bytes, &bytes)
        defer { swap(&writer.bytes, &bytes) }
        writer.bytes.append(contentsOf: "\n    {".utf8)
        // Sorted by the keys' UTF-8 bytes, as `.sortedKeys` sorts them.
        writer.field("attempts", integer: attempts)
        try writer.field("durationSeconds", number: durationSeconds, node: name)
        if let error { writer.field("error", string: error) }
        if let executor { writer.field("executor", string: executor) }
        if let exitCode { writer.field("exitCode", integer: Int(exitCode)) }
        if let finishedAt { try writer.field("finishedAt", number: finishedAt, node: name) }
        writer.field("gate", literal: gate ? "true" : "false")
        if let jobId { writer.field("jobId", string: jobId) }
        writer.field("name", string: name)
        if let skipReason { writer.field("skipReason", string: skipReason) }
        if let startedAt { try writer.field("startedAt", number: startedAt, node: name) }
        writer.field("status", string: status.rawValue)
        if let stderrLog { writer.field("stderrLog", string: stderrLog) }
        if let stderrTail { writer.field("stderrTail", string: stderrTail) }
        if let stdoutLog { writer.field("stdoutLog", string: stdoutLog) }
        writer.bytes.append(contentsOf: "\n    }".utf8)
    }
}

/// The fields of one node object, one per line at `result.json`'s node depth.
private struct FieldWriter {
    var bytes: [UInt8] = []
    private var first = true
    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func key(_ name: StaticString) {
        bytes.append(contentsOf: first ? "\n      \"".utf8 : ",\n      \"".utf8)
        first = false
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: "\" : ".utf8)
    }

    mutating func field(_ name: StaticString, literal: StaticString) {
        key(name)
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func field(_ name: StaticString, integer: Int) {
        key(name)
        bytes.append(contentsOf: String(integer).utf8)
    }

    /// `JSONEncoder`'s spelling of a `Double`: its `description`, without
    /// a trailing `.0`.
    mutating func field(_ name: StaticString, number: Double, node: String) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(
                number,
                EncodingError.Context(
                    codingPath: [],
                    debugDescription: "node '\(node)': \(name) is \(number), which JSON cannot hold"))
        }
        key(name)
        var text = number.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// A JSON string as `JSONEncoder` escapes it with `.withoutEscapingSlashes`:
    /// quote, backslash and the control characters below U+0020; everything
    /// else (UTF-8 included) as is. Escaped characters are all ASCII, so
    /// bytes can be looked at one by one.
    mutating func field(_ name: StaticString, string: String) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var clean = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<index]))
                clean = index + 1
                switch byte {
                case 0x22: bytes.append(contentsOf: "\\\"".utf8)
                case 0x5C: bytes.append(contentsOf: "\\\\".utf8)
                case 0x08: bytes.append(contentsOf: "\\b".utf8)
                case 0x0C: bytes.append(contentsOf: "\\f".utf8)
                case 0x0A: bytes.append(contentsOf: "\\n".utf8)
                case 0x0D: bytes.append(contentsOf: "\\r".utf8)
                case 0x09: bytes.append(contentsOf: "\\t".utf8)
                default:
                    bytes.append(contentsOf: "\\u00".utf8)
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
