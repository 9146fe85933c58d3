/// Writes the bytes of one log line into memory reserved for it beforehand.
///
/// ``LogLineFormatter`` reserves a line's worst-case length up front (six
/// bytes per byte of text, the longest JSON escape), so each write is a
/// bounds check and a copy: no capacity growth or uniqueness check per byte,
/// which is what made appending to an `[UInt8]` byte by byte slow.
struct LineWriter {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// How many bytes have been written.
    private(set) var count = 0

    /// A writer filling `capacity` bytes from `base`.
    init(_ base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Writes one byte.
    mutating func byte(_ value: UInt8) {
        precondition(count < capacity, "log line longer than reserved")
        base[count] = value
        count += 1
    }

    /// Writes `bytes`.
    mutating func bytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        precondition(count + bytes.count <= capacity, "log line longer than reserved")
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Writes the UTF-8 of a literal.
    mutating func bytes(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes($0) }
    }

    /// Writes the UTF-8 of `text`.
    mutating func utf8(_ text: String) {
        var text = text
        text.withUTF8 { bytes($0) }
    }

    /// Writes a non-negative `value` in decimal, zero-padded to `width` digits.
    mutating func digits(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var remaining = value
        while divisor * 10 <= remaining { divisor *= 10 }
        while divisor > 0 {
            byte(UInt8(ascii: "0") + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends at most `maximumCount` bytes that `write` produces through a
    /// ``LineWriter``: they are written into scratch memory (on the stack for
    /// ordinary lines) and copied over in one go.
    mutating func appendWritten(maximumCount: Int, _ write: (inout LineWriter) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumCount) { scratch in
            var writer = LineWriter(scratch.baseAddress!, capacity: maximumCount)
            write(&writer)
            append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<writer.count]))
        }
    }
}
