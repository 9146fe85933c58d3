#if canImport(Glibc)
    public import Glibc
#elseif canImport(Musl)
    public import Musl
#endif

/// Whether the loader checks who owns and who can write a plugin file and
/// its directory before loading it, the way sudo and OpenSSH (`StrictModes`) do.
///
/// Under ``strict`` (the default) a plugin or a `dagron.plugins` manifest is
/// refused when the file is not a regular file (a symbolic link, a FIFO), is
/// not owned by the current user or root, or is writable by group or others.
/// Every directory from the file's own up to `/` (symbolic links resolved) must
/// be owned by the user or root and not writable by group or others, unless
/// the directory has the sticky bit (like `/tmp`, mode 1777): there nobody
/// can rename or delete a file they do not own, so the files below stay the
/// owner's. The file is opened with `O_NOFOLLOW` and loaded through the
/// checked descriptor, so the file checked is the file loaded.
///
/// ``relaxed`` skips those checks (symbolic links are followed). Choose it
/// with `--allow-insecure-plugins` on the command line or by setting
/// `DAGRON_ALLOW_INSECURE_PLUGINS=1`: for shared build machines where the
/// plugin directory is group-writable on purpose.
public enum PluginSafetyPolicy: Sendable, Equatable {
    /// Refuse files or directories that someone else could have replaced.
    case strict
    /// Load whatever is there.
    case relaxed

    /// `DAGRON_ALLOW_INSECURE_PLUGINS`: set to `1` (or `true`/`yes`) to relax the checks.
    public static let environmentVariable = "DAGRON_ALLOW_INSECURE_PLUGINS"

    /// ``relaxed`` if `allowInsecure` is set or the environment variable says so, else ``strict``.
    public static func current(
        allowInsecure: Bool = false,
        environment: [String: String] = PluginSearchPath.processEnvironment()
    ) -> PluginSafetyPolicy {
        if allowInsecure { return .relaxed }
        switch environment[environmentVariable]?.lowercased() {
        case "1", "true", "yes", "on": return .relaxed
        default: return .strict
        }
    }

    /// Checks the status of an opened plugin or manifest file and every
    /// directory above it.
    /// - Parameters:
    ///   - file: The `fstat` of the opened file.
    ///   - directoryPath: The directory the file was opened in.
    /// - Returns: The first violation, or `nil` when all pass (always `nil` when ``relaxed``).
    public func violation(file: stat, directoryPath: String) -> PluginSafetyViolation? {
        guard self == .strict else { return nil }
        let user = geteuid()
        if (file.st_mode & S_IFMT) != S_IFREG { return .notRegularFile }
        if file.st_uid != user && file.st_uid != 0 { return .fileOwner(uid: file.st_uid) }
        if file.st_mode & (S_IWGRP | S_IWOTH) != 0 { return .fileWritable(mode: file.st_mode & 0o7777) }
        return directoryViolation(directoryPath)
    }

    /// Checks `path` and each directory above it, up to `/`, after resolving
    /// symbolic links: each must be owned by the user or root, and must not
    /// be writable by group or others unless it is sticky.
    /// - Returns: The first violation from the top down, or `nil` (always `nil` when ``relaxed``,
    ///   and when `path` does not exist, which opening a file in it reports).
    public func directoryViolation(_ path: String) -> PluginSafetyViolation? {
        guard self == .strict else { return nil }
        guard let resolved = realpath(path.isEmpty ? "." : path, nil) else { return nil }
        var current = String(cString: resolved)
        free(resolved)
        var chain: [String] = [current]
        while current != "/" {
            let slash = current.utf8.lastIndex(of: UInt8(ascii: "/")) ?? current.utf8.startIndex
            current = slash == current.utf8.startIndex ? "/" : String(current[..<slash])
            chain.append(current)
        }
        let user = geteuid()
        for directory in chain.reversed() {
            var status = stat()
            guard stat(directory, &status) == 0 else { return nil }
            if status.st_uid != user && status.st_uid != 0 {
                return .directoryOwner(path: directory, uid: status.st_uid)
            }
            if status.st_mode & (S_IWGRP | S_IWOTH) != 0 && status.st_mode & S_ISVTX == 0 {
                return .directoryWritable(path: directory, mode: status.st_mode & 0o7777)
            }
        }
        return nil
    }
}

/// What made the loader refuse a plugin under ``PluginSafetyPolicy/strict``.
public enum PluginSafetyViolation: Sendable, Equatable, CustomStringConvertible {
    /// The path is a symbolic link (not followed) or not a regular file.
    case notRegularFile
    /// The file is owned by someone other than the user or root.
    case fileOwner(uid: uid_t)
    /// The file is writable by group or others.
    case fileWritable(mode: mode_t)
    /// The directory (the file's own or one above it) is owned by someone other than the user or root.
    case directoryOwner(path: String, uid: uid_t)
    /// The directory (the file's own or one above it) is writable by group or others and not sticky.
    case directoryWritable(path: String, mode: mode_t)

    /// A sentence fragment, e.g. `file is writable by group or others (mode 0666)`.
    public var description: String {
        switch self {
        case .notRegularFile:
            "not a regular file (a directory, a FIFO, a device, or a symbolic link, which is not followed)"
        case .fileOwner(let uid):
            "file is owned by uid \(uid), not by you (uid \(geteuid())) or root"
        case .fileWritable(let mode):
            "file is writable by group or others (mode \(Self.octal(mode)))"
        case .directoryOwner(let path, let uid):
            "directory \(path) is owned by uid \(uid), not by you (uid \(geteuid())) or root"
        case .directoryWritable(let path, let mode):
            "directory \(path) is writable by group or others and not sticky (mode \(Self.octal(mode)))"
        }
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
