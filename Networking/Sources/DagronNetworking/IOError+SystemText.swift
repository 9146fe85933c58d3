public import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension IOError {
    /// The operating system's words for the error, with its number:
    /// `Address already in use (errno 98)`, not NIO's
    /// `bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)`.
    public var systemText: String {
        "\(String(cString: strerror(errnoCode))) (errno \(errnoCode))"
    }
}
