public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The built `dagron` executable, run by the end-to-end suites the way a user runs it.
public enum DagronBinary {
    /// The build directory holding `dagron` and the bundled plugins.
    public static var directory: String { BuildFolder.path }

    /// The `dagron` executable.
    public static var path: String { directory + "/dagron" }

    /// The environment the tests run `dagron` with: the test's own minus
    /// `DAGRON_PLUGIN_PATH` (so no stray plugin directory leaks in), a dumb
    /// terminal, the plugin quarantine off (one test's crashing plugin must
    /// not change how the next test runs it; the quarantine's own tests set
    /// `DAGRON_QUARANTINE`), no user configuration file (`XDG_CONFIG_HOME`
    /// points nowhere, so the developer's `~/.config/dagron/config.yaml`
    /// cannot change a test; the configuration's own tests set it), plus `extra`.
    public static func environment(adding extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DAGRON_PLUGIN_PATH")
        environment["TERM"] = "dumb"
        environment["DAGRON_QUARANTINE"] = "0"
        environment["XDG_CONFIG_HOME"] = "/nonexistent/dagron-tests/config"
        environment.merge(extra) { $1 }
        return environment
    }

    /// Throws a clear error when the binary was not built.
    public static func require() throws {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw DagronProcessError.notBuilt(path: path) }
    }
}

/// A finished `dagron` invocation.
public struct Finished: Sendable {
    /// The exit status (the signal's number when ``signal`` is set).
    public let status: Int32
    /// The signal that killed the process (a crash: SIGILL, SIGSEGV, SIGABRT...), or `nil` when it exited.
    public let signal: Int32?
    /// Everything it wrote to standard output.
    public let stdout: String
    /// Everything it wrote to standard error.
    public let stderr: String
}

/// Why a `dagron` process could not be run to the end.
public enum DagronProcessError: Error, CustomStringConvertible {
    case notBuilt(path: String)
    case timedOut(arguments: [String], seconds: Double)

    public var description: String {
        switch self {
        case .notBuilt(let path):
            "\(path) is missing: run `swift build` before `swift test` (scripts/test.sh does)"
        case .timedOut(let arguments, let seconds):
            "`dagron \(arguments.joined(separator: " "))` did not finish within \(seconds)s (killed)"
        }
    }
}

/// A `dagron` process started by a test, its standard output and error going
/// to files (no pipe can fill up and block it), its standard input empty.
public final class DagronProcess: @unchecked Sendable {
    // @unchecked: used from one test at a time; Process itself is thread-safe for these calls.
    /// The underlying process.
    public let process = Process()
    private let arguments: [String]
    private let stdoutPath: String
    private let stderrPath: String

    /// Starts `dagron arguments...` in `directory`, with the test's
    /// environment minus `DAGRON_PLUGIN_PATH`, plus `environment`. With
    /// `closedStandardError`, standard error is a pipe whose reading end is
    /// already closed (a `dagron ... 2>&1 | head -1` whose `head` is gone):
    /// every write to it fails with `EPIPE`, and ``Finished/stderr`` is empty.
    public init(
        _ arguments: [String], in directory: String, environment: [String: String] = [:],
        closedStandardError: Bool = false
    ) throws {
        try DagronBinary.require()
        self.arguments = arguments
        process.executableURL = URL(fileURLWithPath: DagronBinary.path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = DagronBinary.environment(adding: environment)
        let id = UUID().uuidString
        stdoutPath = NSTemporaryDirectory() + "dagron-\(id).out"
        stderrPath = NSTemporaryDirectory() + "dagron-\(id).err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardInput = FileHandle.nullDevice
        if closedStandardError {
            let pipe = Pipe()
            try pipe.fileHandleForReading.close()
            process.standardError = pipe.fileHandleForWriting
            try process.run()
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
            try process.run()
        }
    }

    /// What the process has written so far: standard output, then standard error.
    public var outputSoFar: String {
        ((try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "")
            + ((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
    }

    /// Sends `signal` to the process.
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits (up to `timeout` seconds) for the process to end and returns
    /// what it printed; past the timeout it is killed and this throws.
    public func wait(timeout: Double = 120) throws -> Finished {
        _ = waitUntil(timeout: timeout) { !process.isRunning }
        defer {
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
        }
        if process.isRunning {
            // SIGKILL: a dagron that is stuck may be stuck because it traps SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw DagronProcessError.timedOut(arguments: arguments, seconds: timeout)
        }
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        let signal = process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil
        return Finished(status: process.terminationStatus, signal: signal, stdout: out, stderr: err)
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` seconds pass;
/// whether it held.
public func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}
