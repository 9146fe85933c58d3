#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Finds a command-line tool the way a shell does.
public enum ExecutableLookup {
    /// The absolute path of `name`: `name` itself when it contains a `/`
    /// (made absolute against the current directory), else the first
    /// executable file called `name` in the folders of `searchPath`
    /// (`$PATH`). `nil` when there is none.
    public static func find(_ name: String, searchPath: String?) -> String? {
        guard !name.isEmpty, !name.unicodeScalars.contains("\0") else { return nil }
        if name.contains("/") {
            let absolute = name.hasPrefix("/") ? name : currentDirectory() + "/" + name
            return isExecutableFile(absolute) ? absolute : nil
        }
        let folders = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(
            separator: ":", omittingEmptySubsequences: false)
        for folder in folders {
            let candidate = (folder.isEmpty ? currentDirectory() : String(folder)) + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// Whether `path` is a regular file this process may execute.
    public static func isExecutableFile(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
