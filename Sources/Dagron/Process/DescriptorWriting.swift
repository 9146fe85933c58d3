package import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Writing a whole buffer to a file descriptor: short and interrupted
/// writes are retried until every byte is written or a write fails.
package enum DescriptorWriting {
    /// Writes every byte of `data` to `descriptor`.
    /// - Throws: the failed write's `errno` as a `POSIXError`.
    package static func writeAll(_ data: Data, to descriptor: Int32) throws(POSIXError) {
        if let code = data.withUnsafeBytes({ failure(writing: $0, to: descriptor) }) { throw error(code) }
    }

    /// Writes every byte of `text` (UTF-8) to `descriptor`.
    /// - Throws: the failed write's `errno` as a `POSIXError`.
    package static func writeAll(_ text: String, to descriptor: Int32) throws(POSIXError) {
        var text = text
        if let code = text.withUTF8({ failure(writing: UnsafeRawBufferPointer($0), to: descriptor) }) {
            throw error(code)
        }
    }

    /// Writes every byte of `bytes`; the `errno` of the write that failed, or `nil`.
    private static func failure(writing bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    private static func error(_ code: Int32) -> POSIXError {
        POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
    }
}
