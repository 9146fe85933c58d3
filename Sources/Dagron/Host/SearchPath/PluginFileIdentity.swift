import Foundation

/// Which file a path names right now: its device, inode, size and
/// modification time. A rebuilt, replaced or touched plugin file has another
/// identity, so what was recorded about the old one no longer applies.
public struct PluginFileIdentity: Codable, Sendable, Equatable {
    /// The device holding the file (`st_dev`).
    public var device: UInt64
    /// The file's inode number (`st_ino`).
    public var inode: UInt64
    /// The file's size in bytes.
    public var size: Int64
    /// Its modification time, whole seconds since the Unix epoch.
    public var modifiedSeconds: Int64
    /// The nanoseconds part of its modification time.
    public var modifiedNanoseconds: Int64

    /// Creates an identity from its parts.
    public init(device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int64, modifiedNanoseconds: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modifiedSeconds = modifiedSeconds
        self.modifiedNanoseconds = modifiedNanoseconds
    }

    /// The file `path` resolves to (symbolic links and `.`/`..` resolved,
    /// as `realpath(3)`) and its identity; `nil` when it does not exist or
    /// cannot be examined.
    public static func resolve(_ path: String) -> (path: String, identity: PluginFileIdentity)? {
        guard let resolved = realpath(path, nil) else { return nil }
        let canonical = String(cString: resolved)
        free(resolved)
        var file = stat()
        guard stat(canonical, &file) == 0 else { return nil }
        let identity = PluginFileIdentity(
            device: UInt64(file.st_dev), inode: UInt64(file.st_ino), size: Int64(file.st_size),
            modifiedSeconds: Int64(file.st_mtim.tv_sec), modifiedNanoseconds: Int64(file.st_mtim.tv_nsec))
        return (canonical, identity)
    }
}
