import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `dagron` binary the way a user does, with its output in files.
enum DagronBinary {
    /// The build directory holding `dagron` and the bundled plugins.
    static var directory: String { BuildFolder.path }

    /// The `dagron` executable.
    static var path: String { directory + "/dagron" }

    /// Fails clearly when the binary was not built.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(FileManager.default.isExecutableFile(atPath: path),
                     "\(path) is missing: run `swift build` before `swift test` (scripts/test.sh does)",
                     sourceLocation: sourceLocation)
    }
}

/// A finished `dagron` invocation.
struct Finished {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// A `dagron` process started by a test.
final class DagronProcess: @unchecked Sendable {
    // @unchecked: used from one test at a time; Process itself is thread-safe for these calls.
    let process = Process()
    private let stdoutPath: String
    private let stderrPath: String

    /// Starts `dagron arguments...` in `directory`.
    init(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws {
        try DagronBinary.require()
        process.executableURL = URL(fileURLWithPath: DagronBinary.path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DAGRON_PLUGIN_PATH")
        env["TERM"] = "dumb"
        env.merge(environment) { $1 }
        process.environment = env
        let id = UUID().uuidString
        stdoutPath = NSTemporaryDirectory() + "dagron-\(id).out"
        stderrPath = NSTemporaryDirectory() + "dagron-\(id).err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits (up to `timeout` seconds) for the process to end.
    func wait(timeout: Double = 120, sourceLocation: SourceLocation = #_sourceLocation) throws -> Finished {
        let ended = waitUntil(timeout: timeout) { !self.process.isRunning }
        if !ended {
            process.terminate()
            Issue.record("dagron did not finish within \(timeout)s", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
        return Finished(status: process.terminationStatus, stdout: out, stderr: err)
    }
}

/// Runs `dagron arguments...` to completion.
func dagron(_ arguments: [String], in directory: String, environment: [String: String] = [:], timeout: Double = 120) throws -> Finished {
    try DagronProcess(arguments, in: directory, environment: environment).wait(timeout: timeout)
}

/// Polls `condition` every 20 ms until it holds or `timeout` seconds pass.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}

/// A fresh temporary directory for one test, removed by `cleanUp()`.
struct Scratch {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "dagron-run-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// The contents of `name`, or `nil`.
    func read(_ name: String) -> String? {
        try? String(contentsOfFile: path + "/" + name, encoding: .utf8)
    }

    /// The run report the test asked `dagron run --run-dir run` to write.
    func report(_ runDir: String = "run") throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path + "/" + runDir + "/result.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The node entries of a JSON run report, by name.
func nodesByName(_ report: [String: Any]) -> [String: [String: Any]] {
    let nodes = report["nodes"] as? [[String: Any]] ?? []
    return Dictionary(uniqueKeysWithValues: nodes.map { ($0["name"] as? String ?? "", $0) })
}

/// Whether process `pid` is alive and not a zombie.
func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    // The state is the field after the parenthesised command name.
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].split(separator: " ").first ?? ""
    return state != "Z" && state != "X"
}
