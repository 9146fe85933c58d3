#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Writes files that hold the token: readable and writable by the owner only
/// (mode 0600, whatever the umask or the mode of a file already there).
///
/// The file is opened without following a symbolic link, must be a regular
/// file owned by this user, and is emptied only after those checks, so a link
/// or a file another user planted at the path gets neither the token nor a
/// truncation.
enum PrivateFile {
    /// Why the file could not be written.
    struct Failure: Error, CustomStringConvertible {
        /// What went wrong, in words.
        let description: String
    }

    /// Replaces the contents of `path` with `text`, creating it with mode 0600.
    static func save(_ text: String, to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            throw Failure(description: errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .system() }
        guard status.st_mode & S_IFMT == S_IFREG else { throw Failure(description: "it is not a regular file") }
        guard status.st_uid == geteuid() else { throw Failure(description: "it belongs to another user") }
        guard fchmod(fd, 0o600) == 0, ftruncate(fd, 0) == 0 else { throw .system() }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .system() }
            bytes = bytes.dropFirst(written)
        }
    }
}

extension PrivateFile.Failure {
    /// The current `errno`, in words.
    static func system() -> Self { Self(description: String(cString: strerror(errno))) }
}
