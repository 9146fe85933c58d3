import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Why a directory the user named (`--run-dir`) cannot hold a new run.
public enum RunDirectoryRefusal: Error, Equatable, CustomStringConvertible {
    /// The path is empty.
    case emptyPath
    /// Something other than a directory is there.
    case notADirectory(path: String)
    /// The directory holds files already: an earlier run's, or the user's own.
    case notEmpty(path: String, entries: [String])
    /// Another run claimed the (empty) directory a moment earlier.
    case inUse(path: String)
    /// The directory could not be created or claimed.
    case failed(path: String, reason: String)

    public var description: String {
        switch self {
        case .emptyPath:
            "--run-dir is empty: give a directory for the run's files, or leave the option out"
        case .notADirectory(let path):
            "cannot use the run directory \(path): it exists and is not a directory"
        case .notEmpty(let path, let entries):
            "cannot use the run directory \(path): it is not empty (it holds "
                + entries.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
                + (entries.count > 3 ? " and \(entries.count - 3) more" : "")
                + "); nothing in it was changed. Give a new or empty directory, or leave --run-dir out"
                + " for a fresh one under .dagron/runs"
        case .inUse(let path):
            "cannot use the run directory \(path): another run started in it a moment ago"
        case .failed(let path, let reason):
            "cannot create the run directory \(path): \(reason)"
        }
    }
}

extension RunDirectory {
    /// Takes the directory at `path` for a new run, or throws a
    /// ``RunDirectoryRefusal`` without touching anything that is there.
    ///
    /// The directory is created (with its parents) if missing. An existing
    /// one must be empty: a run never writes over another run's `result.json`
    /// or logs, nor into a folder of the user's. The claim itself is an
    /// exclusive creation of `run.json`, so of two runs started on the same
    /// empty directory exactly one gets it.
    public static func claim(path: String) throws(RunDirectoryRefusal) -> RunDirectory {
        guard !path.isEmpty else { throw .emptyPath }
        let directory = RunDirectory(path: path)
        let absolute = directory.absolutePath
        let parent = (absolute as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw .failed(path: path, reason: SystemErrorText.reason(error))
        }
        if mkdir(absolute, 0o755) != 0 {
            let code = errno
            guard code == EEXIST else { throw .failed(path: path, reason: String(cString: strerror(code))) }
            var status = stat()
            guard stat(absolute, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                throw .notADirectory(path: path)
            }
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: absolute).sorted()
            } catch {
                throw .failed(path: path, reason: SystemErrorText.reason(error))
            }
            guard entries.isEmpty else { throw .notEmpty(path: path, entries: entries) }
        }
        let manifest = open(directory.manifestPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard manifest >= 0 else {
            let code = errno
            if code == EEXIST { throw .inUse(path: path) }
            throw .failed(path: path, reason: String(cString: strerror(code)))
        }
        close(manifest)
        return directory
    }
}
