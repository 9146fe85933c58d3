#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A text file a user wrote (a pipeline, the user configuration, a plugin
/// manifest), opened without trusting what is at the path: it is read only
/// if it is a regular file of at most a given size holding UTF-8 text.
///
/// It is opened with `O_NONBLOCK`, so a FIFO in its place cannot block the
/// open, and refused unless it is a regular file (a FIFO or a pipe would
/// block the read, `/dev/zero` never end). Its size is checked before
/// anything is read, and the read stops past the limit (a file that grows
/// meanwhile). Text that is not UTF-8 is refused, with the line where it
/// stops being UTF-8, never decoded with replacement characters.
struct UserTextFile: ~Copyable {
    /// Why the file could not be read.
    enum Failure: Error, Equatable {
        /// Nothing at the path (or a path through something that is not a directory).
        case missing
        /// A directory.
        case directory
        /// A FIFO, pipe, device or socket.
        case notRegularFile
        /// Larger than the limit, in bytes.
        case tooLarge(size: Int64, limit: Int)
        /// Grew past the limit while it was read.
        case grewPastLimit(limit: Int)
        /// Not UTF-8 text from this line (1-based) on.
        case notUTF8(line: Int)
        /// `open`, `fstat` or `read` failed with this `errno`.
        case unreadable(code: Int32)

        /// The failure in words, after the file's name (`pipeline.yml: ...`),
        /// `what` naming the kind of file ("a pipeline file").
        func message(for what: String) -> String {
            switch self {
            case .missing: "no such file"
            case .directory: "is a directory, not \(what)"
            case .notRegularFile:
                "is not a regular file (a pipe, a FIFO or a device): dagron reads \(what) only from a regular file"
            case .tooLarge(let size, let limit):
                "is \(size) bytes, more than \(what) may have (\(limit) bytes)"
            case .grewPastLimit(let limit): "grew past \(limit) bytes while it was read"
            case .notUTF8(let line): "is not UTF-8 text (line \(line))"
            case .unreadable(let code): "cannot read it: \(String(cString: strerror(code)))"
            }
        }
    }

    /// The open descriptor.
    let descriptor: Int32
    /// What `fstat` said of it.
    let status: stat

    /// Opens `path` (a symbolic link as the last component is refused with
    /// `noFollow`: ``Failure/unreadable(code:)`` with `ELOOP`).
    init(path: String, noFollow: Bool = false) throws(Failure) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0))
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .missing }
            throw .unreadable(code: code)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            throw .unreadable(code: code)
        }
        self.descriptor = descriptor
        self.status = status
    }

    deinit {
        close(descriptor)
    }

    /// Reads the whole file as UTF-8 text of at most `limit` bytes.
    func text(limit: Int) throws(Failure) -> String {
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .directory
        default: throw .notRegularFile
        }
        guard status.st_size <= limit else { throw .tooLarge(size: Int64(status.st_size), limit: limit) }
        // One byte more than the size: a file that grew shows it.
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var count = 0
        while true {
            if count == bytes.count {
                guard count <= limit else { throw .grewPastLimit(limit: limit) }
                bytes.append(contentsOf: repeatElement(0, count: min(max(count, 4096), limit + 1 - count)))
            }
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + count, buffer.count - count)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw .unreadable(code: errno)
            }
            if got == 0 { break }
            count += got
        }
        guard count <= limit else { throw .grewPastLimit(limit: limit) }
        guard let text = String(validating: bytes[..<count], as: UTF8.self) else {
            throw .notUTF8(line: Self.lineOfFirstInvalidByte(bytes[..<count]))
        }
        return text
    }

    /// The line (1-based) holding the first byte that is not part of valid UTF-8.
    private static func lineOfFirstInvalidByte(_ bytes: ArraySlice<UInt8>) -> Int {
        var line = 1
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1 && encoded.first == UInt8(ascii: "\n") { line += 1 }
            case .error: return line
            case .emptyInput: return line
            }
        }
    }
}
