/// Appends values in the compact binary encoding isolated plugins are fed:
/// unsigned LEB128 varints, zigzag varints for signed integers, IEEE
/// doubles as 8 little-endian bytes, strings as a varint length and UTF-8.
///
/// ```swift
/// var writer = WireWriter()
/// writer.varint(42)
/// writer.string("extract")
/// ```
struct WireWriter: Sendable {
    /// The bytes written so far.
    var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func bool(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    /// A non-negative `Int` (a count, an index).
    mutating func count(_ value: Int) {
        varint(UInt64(max(value, 0)))
    }

    /// A signed integer, zigzag-encoded so small negatives stay short.
    mutating func signed(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func double(_ value: Double) {
        var bits = value.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            count(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    /// A presence byte, then the value when present.
    mutating func optional<Value>(_ value: Value?, _ write: (inout WireWriter, Value) -> Void) {
        guard let value else { return byte(0) }
        byte(1)
        write(&self, value)
    }

    /// The length of a frame whose payload starts at `start`, written as 4
    /// little-endian bytes at `start - 4` (reserved with ``reserveLength()``).
    mutating func reserveLength() -> Int {
        bytes.append(contentsOf: [0, 0, 0, 0])
        return bytes.count
    }

    mutating func patchLength(payloadStart start: Int) {
        let length = UInt32(truncatingIfNeeded: bytes.count - start)
        for offset in 0..<4 {
            bytes[start - 4 + offset] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(offset)))
        }
    }
}
