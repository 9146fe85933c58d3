import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A `dagron` process started with a given soft limit on open files (set by
/// `/bin/sh`'s `ulimit -Sn` before it `exec`s `dagron`, so the process id is
/// dagron's own), its standard output and error going to one log file.
final class DagronUnderFileLimit: @unchecked Sendable {
    // @unchecked: used from one test at a time; Process itself is thread-safe for these calls.
    /// The underlying process (dagron itself, after the shell's `exec`).
    let process = Process()
    private let log: String

    /// Starts `dagron arguments...` in `directory` with the soft `RLIMIT_NOFILE`
    /// at `softFileLimit`, the test's environment minus `DAGRON_PLUGIN_PATH`, plus `environment`.
    init(softFileLimit: Int, _ arguments: [String], in directory: String, environment: [String: String] = [:]) throws {
        try DagronBinary.require()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -Sn \(softFileLimit) && exec \"$0\" \"$@\"", DagronBinary.path] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = DagronBinary.environment(adding: environment)
        log = directory + "/dagron-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// The process id.
    var pid: Int32 { process.processIdentifier }

    /// What it printed so far (standard output and error).
    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// The number of descriptors the process has open now.
    var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    /// Waits up to `timeout` seconds for the process to end; kills it and throws past that.
    func wait(timeout: Double = 120) throws -> Int32 {
        _ = waitUntil(timeout: timeout) { !process.isRunning }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw LoopbackSocket.Failure(
                description: "dagron did not finish within \(timeout)s; its output:\n\(output)")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Stops the process if it is still running (for a test that failed half-way).
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
