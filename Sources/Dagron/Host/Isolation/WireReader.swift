/// Reads what ``WireWriter`` wrote, checking every length against what is
/// left: a truncated or corrupt frame throws ``WireError`` instead of trapping.
struct WireReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func byte() throws(WireError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bool() throws(WireError) -> Bool {
        try byte() != 0
    }

    mutating func varint() throws(WireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw .malformed("varint too long") }
            result |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A count or index, at most `limit`.
    mutating func count(limit: Int = Int(Int32.max)) throws(WireError) -> Int {
        let value = try varint()
        guard value <= UInt64(limit) else { throw .malformed("count \(value) over \(limit)") }
        return Int(value)
    }

    mutating func signed() throws(WireError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func double() throws(WireError) -> Double {
        guard bytes.count - offset >= 8 else { throw .truncated }
        var bits: UInt64 = 0
        for index in 0..<8 { bits |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return Double(bitPattern: bits)
    }

    mutating func string() throws(WireError) -> String {
        let length = try count()
        guard bytes.count - offset >= length else { throw .truncated }
        defer { offset += length }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), as: UTF8.self)
    }

    mutating func optional<Value>(_ read: (inout WireReader) throws(WireError) -> Value) throws(WireError) -> Value? {
        try byte() == 0 ? nil : read(&self)
    }
}

/// A frame of the isolated-plugin protocol could not be read.
enum WireError: Error, CustomStringConvertible {
    /// The frame ended in the middle of a value.
    case truncated
    /// A value made no sense (an unknown kind, a count too large).
    case malformed(String)

    var description: String {
        switch self {
        case .truncated: "truncated frame"
        case .malformed(let what): "malformed frame: \(what)"
        }
    }
}
