import Foundation
import Testing

/// Runs a program to completion and captures its output (through files, so
/// a chatty program can never block on a full pipe).
struct Command {
    struct Output {
        var status: Int32
        var reason: Process.TerminationReason
        var stdout: String
        var stderr: String
        var all: String { stdout + stderr }
    }

    /// Runs `executable` with `arguments`. `environment` entries are added to
    /// (or, with a `nil` value, removed from) the test's own environment.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String?] = [:],
        directory: String? = nil
    ) throws -> Output {
        let scratch = try TemporaryDirectory("dagron-cmd")
        let outPath = scratch.path + "/stdout"
        let errPath = scratch.path + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Output(
            status: process.terminationStatus,
            reason: process.terminationReason,
            stdout: String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self),
            stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self))
    }

    /// The absolute path of `tool` on `PATH`; fails the test if it is missing.
    static func tool(_ tool: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let found = path.split(separator: ":").map { "\($0)/\(tool)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        return try #require(
            found, "\(tool) is not on PATH (scripts/test.sh installs the tools the tests need)",
            sourceLocation: sourceLocation)
    }
}
