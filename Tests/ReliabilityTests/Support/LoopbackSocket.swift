import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP connection to 127.0.0.1 made with the C socket API, for the
/// connections no HTTP client makes: idle ones, ones that trickle a header,
/// a thousand at once. Non-blocking; ``readAvailable()`` collects what the
/// server sent and notices when it closed the connection.
final class LoopbackSocket {
    /// The socket's descriptor.
    let fd: Int32
    /// Every byte received so far.
    private(set) var received: [UInt8] = []
    /// Whether the server closed (or reset) the connection.
    private(set) var isClosed = false
    private var isOpen = true

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts connecting to `port` and returns at once.
    init(startingConnectionTo port: Int) throws {
        fd = socket(
            AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(Self.errnoText)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 || errno == EINPROGRESS else {
            let reason = Self.errnoText
            close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): \(reason)")
        }
    }

    /// Connects to `port` and waits until the connection is established.
    convenience init(connectingTo port: Int, timeout: Duration = .seconds(30)) throws {
        try self.init(startingConnectionTo: port)
        guard try waitUntilConnected(timeout: timeout) else {
            throw Failure(description: "not connected to 127.0.0.1:\(port) within \(timeout)")
        }
    }

    deinit { shutDown() }

    /// Closes the connection from this side.
    func shutDown() {
        if isOpen { close(fd) }
        isOpen = false
    }

    /// Waits up to `timeout` for the connection to be established; throws if it failed.
    func waitUntilConnected(timeout: Duration) throws -> Bool {
        guard wait(for: Int16(POLLOUT), timeout: timeout) else { return false }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else {
            throw Failure(description: "SO_ERROR: \(Self.errnoText)")
        }
        guard error == 0 else { throw Failure(description: "connect: \(String(cString: strerror(error)))") }
        return true
    }

    /// Sends `text` (never raising SIGPIPE); `false` if the server closed the connection first.
    @discardableResult
    func send(_ text: String, timeout: Duration = .seconds(30)) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                bytes = bytes.dropFirst(sent)
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                guard wait(for: Int16(POLLOUT), timeout: timeout) else { return false }
            } else if sent < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// Reads whatever has arrived, without waiting, and notes an end of stream or a reset.
    func readAvailable() {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while !isClosed {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                received.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                isClosed = true
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else if errno != EINTR {
                isClosed = true  // reset
            }
        }
    }

    /// Waits until the server closes the connection (reading what it sends); whether it did within `timeout`.
    func waitUntilClosed(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        readAvailable()
        while !isClosed {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            _ = wait(for: Int16(POLLIN), timeout: min(left, .milliseconds(200)))
            readAvailable()
        }
        return true
    }

    /// Waits up to `timeout` until the bytes received from `offset` on
    /// contain `needle`; whether they did (`false` too if the server closed
    /// the connection first).
    func waitUntilReceived(_ needle: String, from offset: Int = 0, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            readAvailable()
            if received.count > offset, String(decoding: received[offset...], as: UTF8.self).contains(needle) {
                return true
            }
            let left = deadline - ContinuousClock.now
            guard !isClosed, left > .zero else { return false }
            _ = wait(for: Int16(POLLIN), timeout: min(left, .milliseconds(200)))
        }
    }

    /// The bytes received so far, as text.
    var text: String { String(decoding: received, as: UTF8.self) }

    private func wait(for events: Int16, timeout: Duration) -> Bool {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        let milliseconds = Int32(
            clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return poll(&descriptor, 1, max(1, milliseconds)) > 0
    }

    private static var errnoText: String { String(cString: strerror(errno)) }
}
