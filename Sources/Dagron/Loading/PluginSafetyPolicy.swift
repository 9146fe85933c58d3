#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whether the loader checks who owns and who can write a plugin file and
/// its directory before loading it, the way sudo and OpenSSH (`StrictModes`) do.
///
/// Under ``strict`` (the default) a plugin is refused when the file is not a
/// regular file (a symbolic link, a FIFO), is not owned by the current user or
/// root, or is writable by group or others; its directory gets the same
/// owner and writability test. The file is opened with `O_NOFOLLOW` and
/// loaded through the checked descriptor, so the file checked is the file loaded.
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

    /// Checks the status of an opened plugin file and of its directory.
    /// - Returns: The first violation, or `nil` when both pass (always `nil` when ``relaxed``).
    public func violation(file: stat, directory: stat?, directoryPath: String) -> PluginSafetyViolation? {
        guard self == .strict else { return nil }
        let user = geteuid()
        if (file.st_mode & S_IFMT) != S_IFREG { return .notRegularFile }
        if file.st_uid != user && file.st_uid != 0 { return .fileOwner(uid: file.st_uid) }
        if file.st_mode & (S_IWGRP | S_IWOTH) != 0 { return .fileWritable(mode: file.st_mode & 0o7777) }
        if let directory {
            if directory.st_uid != user && directory.st_uid != 0 {
                return .directoryOwner(path: directoryPath, uid: directory.st_uid)
            }
            if directory.st_mode & (S_IWGRP | S_IWOTH) != 0 {
                return .directoryWritable(path: directoryPath, mode: directory.st_mode & 0o7777)
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
    /// The directory is owned by someone other than the user or root.
    case directoryOwner(path: String, uid: uid_t)
    /// The directory is writable by group or others.
    case directoryWritable(path: String, mode: mode_t)

    /// A sentence fragment, e.g. `file is writable by group or others (mode 0666)`.
    public var description: String {
        switch self {
        case .notRegularFile:
            "not a regular file (symbolic links are not followed)"
        case .fileOwner(let uid):
            "file is owned by uid \(uid), not by you (uid \(geteuid())) or root"
        case .fileWritable(let mode):
            "file is writable by group or others (mode \(Self.octal(mode)))"
        case .directoryOwner(let path, let uid):
            "directory \(path) is owned by uid \(uid), not by you (uid \(geteuid())) or root"
        case .directoryWritable(let path, let mode):
            "directory \(path) is writable by group or others (mode \(Self.octal(mode)))"
        }
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
