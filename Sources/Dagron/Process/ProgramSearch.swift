import DagronSDK
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Finds the program a command's first word names, the way `/bin/sh` does
/// before it `exec`s: a word holding `/` is a path (relative to the
/// command's working directory); any other word is looked for in each
/// directory of the command's `PATH` in turn (an empty entry is the working
/// directory; with no `PATH` at all, the shell's default one).
///
/// The first regular file there that may be executed wins. A file that
/// exists but may not be executed (or a directory) is passed over, and
/// counts as "Permission denied" (exit status 126) if nothing else is found;
/// nothing at all is "not found" (127), as `sh` reports them.
///
/// Like `sh`'s command hash, a program found on `PATH` is remembered (for
/// the same `PATH`, working directory and name) and not searched for again:
/// a run of many nodes pays the walk through `PATH` once per program. A
/// remembered program that is gone or no longer executable is searched for
/// anew; one installed later in an earlier `PATH` directory is not noticed,
/// as `sh` does not notice it either.
///
/// With `trusting`, a remembered program (or a path) is not even checked:
/// the caller `exec`s it and, should that fail, asks again without
/// `trusting` (see ``ShellCommand``), so that a failure ends exactly as it
/// would have. A node then spends no `stat` and `access` on its program.
enum ProgramSearch {
    /// The outcome of a search.
    enum Found: Equatable {
        /// The program's path (absolute, or relative to the working directory).
        case program(String)
        /// Nothing by that name (`sh`: `not found`, status 127).
        case notFound
        /// Only files that may not be executed (`sh`: `Permission denied`, status 126).
        case notExecutable(String)
    }

    /// The search path `sh` uses when the environment has no `PATH`.
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Looks `word` up for a command whose environment's `PATH` is `path`,
    /// running in `workingDirectory` (`nil`: this process's). With
    /// `trusting`, a path or a remembered program is taken as it is, unchecked.
    static func find(_ word: String, path: String?, workingDirectory: String?, trusting: Bool = false) -> Found {
        if word.utf8.contains(UInt8(ascii: "/")) {
            if trusting { return .program(word) }
            return check(word, in: workingDirectory) ?? .notFound
        }
        let key = Remembered.Key(path: path, workingDirectory: workingDirectory, word: word)
        if let known = remembered.withTrackedLock({ $0.programs[key] }) {
            if trusting { return .program(known) }
            if case .program(let found)? = check(known, in: workingDirectory) { return .program(found) }
        }
        let found = search(word, path: path, workingDirectory: workingDirectory)
        if case .program(let program) = found {
            remembered.withTrackedLock { $0.remember(program, for: key) }
        }
        return found
    }

    /// Walks `path` for `word`.
    private static func search(_ word: String, path: String?, workingDirectory: String?) -> Found {
        var denied: String?
        // A directory named twice in `PATH` answers the same the second time.
        var searched: Set<Substring> = []
        for directory in (path ?? defaultPath).split(separator: ":", omittingEmptySubsequences: false)
        where searched.insert(directory).inserted {
            let candidate = directory.isEmpty ? word : "\(directory)/\(word)"
            switch check(candidate, in: workingDirectory) {
            case .program(let found)?: return .program(found)
            case .notExecutable(let found)?: denied = denied ?? found
            case .notFound?, nil: continue
            }
        }
        return denied.map { .notExecutable($0) } ?? .notFound
    }

    /// What `candidate` is: `nil` when nothing is there.
    private static func check(_ candidate: String, in workingDirectory: String?) -> Found? {
        var onDisk = candidate
        if !candidate.hasPrefix("/"), let workingDirectory { onDisk = "\(workingDirectory)/\(candidate)" }
        var status = stat()
        guard stat(onDisk, &status) == 0 else { return nil }
        guard status.st_mode & S_IFMT == S_IFREG, access(onDisk, X_OK) == 0 else { return .notExecutable(candidate) }
        return .program(candidate)
    }

    /// Programs found on `PATH`, as `sh` hashes them.
    private static let remembered = Mutex(Remembered())

    /// The programs found so far, at most ``limit`` of them.
    private struct Remembered {
        /// What was looked for.
        struct Key: Hashable {
            var path: String?
            var workingDirectory: String?
            var word: String

            /// The word and the lengths of the rest: a run looks programs up
            /// with one `PATH` and one directory (a hundred bytes or more)
            /// and many words, so hashing those strings for every spawn
            /// would cost more than it tells apart. Equality still compares
            /// them whole.
            func hash(into hasher: inout Hasher) {
                hasher.combine(word)
                hasher.combine(path?.utf8.count ?? -1)
                hasher.combine(workingDirectory?.utf8.count ?? -1)
            }
        }

        /// How many programs are remembered before the memory starts afresh.
        static let limit = 4096

        var programs: [Key: String] = [:]

        mutating func remember(_ program: String, for key: Key) {
            if programs.count >= Self.limit { programs.removeAll(keepingCapacity: true) }
            programs[key] = program
        }
    }
}
