import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The disk space a directory tree takes, as `du` counts it: the blocks
/// allocated to every file and directory in it, symbolic links not followed.
enum DiskUsage {
    /// Bytes allocated under `path` (0 for what cannot be read).
    static func bytes(_ path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        var total = Int64(info.st_blocks) * 512
        guard info.st_mode & S_IFMT == S_IFDIR, let names = try? FileManager.default.contentsOfDirectory(atPath: path)
        else {
            return total
        }
        for name in names { total += bytes(path + "/" + name) }
        return total
    }

    /// `812 B`, `4.0 KiB`, `1.2 MiB`, `3.4 GiB`.
    static func text(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
