import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Writing a whole buffer to a file descriptor: short and interrupted
/// writes are retried until every byte is written or a write fails.
enum DescriptorWriting {
    /// Writes every byte of `data` to `descriptor`.
    /// - Throws: the failed write's `errno` as a `POSIXError`.
    static func writeAll(_ data: Data, to descriptor: Int32) throws(POSIXError) {
        let failure: Int32? = data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return nil }
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
        if let failure { throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO) }
    }
}
