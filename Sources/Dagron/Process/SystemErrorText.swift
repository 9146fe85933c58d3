import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A file-system error in words for a message: `Not a directory`, not
/// Foundation's `Error Domain=NSCocoaErrorDomain Code=512 "(null)" UserInfo={...}`.
public enum SystemErrorText {
    /// The operating system's text for the POSIX error behind `error`
    /// (itself, or the one Foundation wrapped), else its description.
    public static func reason(_ error: any Error) -> String {
        let bridged = error as NSError
        let underlying = (bridged.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
        for candidate in [bridged, underlying] {
            guard let candidate, candidate.domain == NSPOSIXErrorDomain, candidate.code > 0,
                candidate.code < Int(Int32.max)
            else { continue }
            return String(cString: strerror(Int32(candidate.code)))
        }
        return String(describing: error)
    }
}
