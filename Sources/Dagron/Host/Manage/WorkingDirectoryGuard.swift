#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The working directory before a plugin's code runs, put back if that code
/// changed it.
///
/// In-process plugins share the process, and with it its one working
/// directory. A plugin that changes it (itself, or a library it calls) would
/// make every plugin configured after it resolve its relative settings (a
/// log file, a textfile) against the wrong folder. ``PluginManager`` wraps
/// each plugin's `configure`, `initialize` and `teardown`, and the loading of
/// plugins, in a guard; a change is undone and reported.
struct WorkingDirectoryGuard {
    /// The directory when the guard was made; `nil` if it could not be read
    /// (it was deleted), in which case there is nothing to put back.
    private let directory: String?

    /// Reads the current directory.
    init() {
        directory = Self.current()
    }

    /// What the guarded code did to the directory, for a warning; `nil` when
    /// it left it alone. A changed directory is changed back first.
    func restore() -> String? {
        guard let directory, let now = Self.current(), now != directory else { return nil }
        guard chdir(directory) == 0 else {
            return "changed the working directory to '\(now)'; dagron could not change it back to '\(directory)'"
                + " (\(String(cString: strerror(errno))))"
        }
        return "changed the working directory to '\(now)'; dagron changed it back to '\(directory)'"
    }

    /// The absolute path of the current directory, or `nil` if it has none.
    private static func current() -> String? {
        guard let path = getcwd(nil, 0) else { return nil }
        defer { free(path) }
        return String(cString: path)
    }
}
