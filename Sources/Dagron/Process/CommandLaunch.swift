import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How a node's command is started: its words `exec`ed directly when it
/// has no shell syntax (``CommandWords``), else `/bin/sh -c COMMAND`.
///
/// A direct command whose program cannot be found or executed does not
/// start at all; it ends as `sh` would end it: a message naming the program
/// on standard error and exit status 127 (not found) or 126 (not executable).
enum CommandLaunch: Equatable {
    /// Spawn `path` with `arguments` (`argv`, its first element included).
    case spawn(path: String, arguments: [String])
    /// Do not start anything: write `message` to standard error and end with `status`.
    case refuse(status: Int32, message: String)

    /// The launch of `command` as written, through the shell.
    static func shell(_ command: String) -> CommandLaunch {
        .spawn(path: "/bin/sh", arguments: ["/bin/sh", "-c", command])
    }

    /// The launch of `command` for a process whose `PATH` is `searchPath`
    /// (`nil` when it has none), in `workingDirectory`.
    /// With `trusting`, a program named by path or found on `PATH` before
    /// is spawned without checking it first (``ProgramSearch``): a spawn that
    /// fails must then be planned again without `trusting`.
    static func plan(
        _ command: String, searchPath: String?, workingDirectory: String?, trusting: Bool = false
    ) -> CommandLaunch {
        guard let words = CommandWords.split(command), let program = words.first else { return shell(command) }
        switch ProgramSearch.find(program, path: searchPath, workingDirectory: workingDirectory, trusting: trusting) {
        case .program(let path): return .spawn(path: path, arguments: words)
        case .notFound: return notFound(program)
        case .notExecutable(let path): return notExecutable(path)
        }
    }

    /// `sh`'s verdict on a program that is not there (status 127).
    static func notFound(_ program: String) -> CommandLaunch {
        .refuse(status: 127, message: "dagron: \(program): command not found\n")
    }

    /// `sh`'s verdict on a program that may not be executed (status 126).
    static func notExecutable(_ path: String) -> CommandLaunch {
        .refuse(status: 126, message: "dagron: \(path): Permission denied\n")
    }

    /// What a direct spawn of `program` failing with `error` means: `nil`
    /// for `ENOEXEC` (a script without `#!`: the shell runs it, so the caller
    /// retries through it), else the ending `sh` would give.
    static func afterFailedSpawn(of program: String, error: Int32) -> CommandLaunch? {
        switch error {
        case ENOEXEC: nil
        case ENOENT:
            .refuse(status: 127, message: "dagron: \(program): cannot execute: \(String(cString: strerror(error)))\n")
        case EACCES: notExecutable(program)
        default:
            .refuse(status: 126, message: "dagron: \(program): cannot execute: \(String(cString: strerror(error)))\n")
        }
    }
}
