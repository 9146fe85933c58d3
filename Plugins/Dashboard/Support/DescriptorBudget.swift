#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How many connections the dashboard may hold without taking descriptors
/// that `dagron` needs for its nodes (pipes, log files) and its own files.
///
/// The process's soft `RLIMIT_NOFILE` is left as it is: the host owns it and
/// every node command inherits it (raising it to a large hard limit makes
/// programs that close every possible descriptor slow, and breaks `select`
/// past 1024). Instead the dashboard keeps to a quarter of the descriptors
/// that are still free when it starts; the other three quarters stay for
/// the run.
enum DescriptorBudget {
    /// `requested`, lowered to a quarter of the free descriptors (at least 1).
    static func connectionLimit(requested: Int) -> Int {
        guard let free = freeDescriptors() else { return requested }
        return max(1, min(requested, free / 4))
    }

    /// The soft limit minus the descriptors open now; `nil` when unlimited
    /// or unknown.
    static func freeDescriptors() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        let soft = Int(clamping: limit.rlim_cur)
        return max(0, soft - openDescriptors())
    }

    /// The number of descriptors open in this process (entries of `/proc/self/fd`), or 0 when unknown.
    static func openDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in name.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return max(0, count - 1)  // the directory's own descriptor
    }
}
