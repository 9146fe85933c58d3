import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The processes of a run as the tests see them, read from `/proc` here
/// (not through dagron's own code).
enum RunProcesses {
    /// The live processes (zombies excluded) whose environment has
    /// `DAGRON_RUN_DIR=runDirectory`: what a run's nodes started.
    static func alive(runDirectory: String) -> [Int32] {
        let needle = Array("DAGRON_RUN_DIR=\(runDirectory)".utf8)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.filter { pid in
            guard let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return environment.split(separator: 0).contains { Array($0) == needle } && isRunning(pid)
        }
    }

    /// The process id a node wrote to `file` in the scratch folder.
    static func pid(_ scratch: Scratch, _ file: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> Int32
    {
        let text = try #require(scratch.read(file), "\(file) was not written", sourceLocation: sourceLocation)
        return try #require(
            Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), "\(file) holds '\(text)'",
            sourceLocation: sourceLocation)
    }

    /// The run directory a node wrote (`echo "$DAGRON_RUN_DIR" > file`).
    static func runDirectory(_ scratch: Scratch, _ file: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> String
    {
        let text = try #require(scratch.read(file), "\(file) was not written", sourceLocation: sourceLocation)
        let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(path.hasPrefix("/"), "DAGRON_RUN_DIR '\(path)' is not absolute", sourceLocation: sourceLocation)
        return path
    }

    /// Expects that no process of the run whose `DAGRON_RUN_DIR` is
    /// `runDirectory` is alive within 5 s, and kills any that is (so a failed
    /// test leaves nothing behind).
    static func expectNoneAlive(runDirectory: String, sourceLocation: SourceLocation = #_sourceLocation) {
        var left: [Int32] = []
        let gone = waitUntil(timeout: 5) {
            left = alive(runDirectory: runDirectory)
            return left.isEmpty
        }
        #expect(gone, "processes of the run outlived it: \(left)", sourceLocation: sourceLocation)
        kill(left)
    }

    /// Kills `pids` (a test's cleanup when an expectation failed).
    static func kill(_ pids: [Int32]) {
        for pid in pids where pid > 1 { Glibc.kill(pid, SIGKILL) }
    }
}
