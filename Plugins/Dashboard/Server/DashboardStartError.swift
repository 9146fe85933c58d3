import DagronNetworking
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Why the dashboard's server could not start, as a sentence a user can act
/// on (the host shows it as the plugin's initialization error).
///
/// A port already taken says so and names the way out
/// (`port 8765 is in use: pass --set dashboard.port=0 for a free port`);
/// other failures name the address and the system's reason, never NIO's
/// raw call text.
struct DashboardStartError: Error, CustomStringConvertible {
    /// What went wrong.
    enum Reason: Sendable, Equatable {
        /// Another socket listens on the port (`EADDRINUSE`).
        case portInUse
        /// Any other failure, in words.
        case other(String)
    }

    /// The address the server tried to bind.
    let host: String
    /// The port it tried (as configured: 0 for "any free port").
    let port: Int
    /// What went wrong.
    let reason: Reason

    /// Classifies what the server threw while binding `host:port`.
    init(host: String, port: Int, error: any Error) {
        self.host = host
        self.port = port
        if let io = error as? IOError {
            reason = io.errnoCode == EADDRINUSE ? .portInUse : .other(io.systemText)
        } else {
            reason = .other(String(describing: error))
        }
    }

    /// A failure described in words.
    init(host: String, port: Int, reason: String) {
        self.host = host
        self.port = port
        self.reason = .other(reason)
    }

    /// The sentence shown to the user.
    var description: String {
        switch reason {
        case .portInUse:
            "port \(port) is in use: pass --set dashboard.port=0 for a free port"
        case .other(let text):
            "cannot serve on \(host):\(port): \(text)"
        }
    }
}
