import Foundation

/// A small file of dagron's state that is read whole and replaced whole,
/// safely when several `dagron` processes share it and whatever was left
/// at its path.
///
/// - Reading opens with `O_NOFOLLOW | O_NONBLOCK` and accepts only a
///   regular file of at most `readLimit` bytes: a missing, unreadable or
///   oversized file, a directory, a FIFO or a symbolic link at the path all
///   read as absent.
/// - Updates take turns through an exclusive `flock` on `<path>.lock`
///   (opened with `O_NOFOLLOW`), so each one reads what the last one wrote.
/// - The new contents go to a temporary file in the same folder (mode 0600)
///   that is renamed over the path: readers see the old file or the new one,
///   never half of one, and a symbolic link planted at the path is replaced,
///   not followed. A missing folder is created with mode 0700.
struct LockedStateFile: Sendable {
    /// The file.
    let path: String
    /// The most bytes read; a larger file reads as absent.
    let readLimit: Int

    /// The file's contents, or `nil` when there is no readable regular file
    /// of at most ``readLimit`` bytes at the path.
    func contents() -> Data? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= readLimit else {
            return nil
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        // The size can change after fstat: stop one byte past the limit.
        while data.count <= readLimit {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return data.count <= readLimit ? data : nil
    }

    /// Holds the lock, hands `change` the current contents (as ``contents()``)
    /// and, unless it returns `nil`, replaces the file with what it returns.
    /// - Throws: ``StateFileError`` when the folder, the lock or the new file cannot be made.
    func update(_ change: (Data?) -> Data?) throws(StateFileError) {
        let directory = (path as NSString).deletingLastPathComponent
        try Self.makeFolder(directory)
        let lockPath = path + ".lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw StateFileError(path: lockPath, action: "open the lock", code: errno) }
        defer { close(lock) }  // closing releases the lock
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StateFileError(path: lockPath, action: "lock", code: errno) }
        }
        guard let replacement = change(contents()) else { return }
        try replace(with: replacement, in: directory)
    }

    /// Creates `directory` and the folders above it that are missing, mode 0700.
    private static func makeFolder(_ directory: String) throws(StateFileError) {
        var info = stat()
        if stat(directory, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw StateFileError(path: directory, action: "use as a folder", code: ENOTDIR)
            }
            return
        }
        let parent = (directory as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != directory { try makeFolder(parent) }
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw StateFileError(path: directory, action: "create the folder", code: errno)
        }
    }

    /// Writes `data` to a new file in `directory` and renames it over ``path``.
    private func replace(with data: Data, in directory: String) throws(StateFileError) {
        let name = (path as NSString).lastPathComponent
        var temporary = ""
        var descriptor: Int32 = -1
        // A fresh name, created exclusively: never an existing file or link.
        for _ in 0..<100 where descriptor < 0 {
            temporary = directory + "/.\(name).\(getpid()).\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if descriptor < 0, errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw StateFileError(path: directory, action: "create a file in", code: errno) }
        var failure: StateFileError?
        if fchmod(descriptor, 0o600) != 0 {
            failure = StateFileError(path: temporary, action: "set the mode of", code: errno)
        }
        if failure == nil {
            do {
                try DescriptorWriting.writeAll(data, to: descriptor)
            } catch {
                failure = StateFileError(path: temporary, action: "write", code: error.code.rawValue)
            }
        }
        if failure == nil, fsync(descriptor) != 0 {
            failure = StateFileError(path: temporary, action: "write", code: errno)
        }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 {
            failure = StateFileError(path: path, action: "replace", code: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }
}

/// A state file that could not be written: which path, what dagron was
/// doing, and the system's reason.
public struct StateFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or folder.
    public var path: String
    /// What failed, as a verb phrase (`replace`, `lock`).
    public var action: String
    /// The `errno` value.
    public var code: Int32

    /// Creates an error.
    public init(path: String, action: String, code: Int32) {
        self.path = path
        self.action = action
        self.code = code
    }

    /// `/home/me/.local/state/dagron/quarantine.json: cannot replace: Is a directory`.
    public var description: String {
        "\(path): cannot \(action): \(String(cString: strerror(code)))"
    }
}
