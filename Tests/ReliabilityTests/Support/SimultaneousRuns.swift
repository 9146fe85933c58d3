import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Several `dagron` processes held at a start line and released together,
/// so that they reach the same steps at nearly the same moment (started one
/// after another, they are milliseconds apart and rarely collide).
struct SimultaneousRuns {
    /// How one of the processes ended.
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private let processes: [Process]
    private let outputs: [(stdout: String, stderr: String)]
    private let startLine: String

    /// Starts `count` shells in `directory`, each waiting for the start line,
    /// then `exec`ing `dagron arguments...`. Call ``release()`` to let them go.
    init(count: Int, arguments: [String], in directory: String) throws {
        try DagronBinary.require()
        startLine = directory + "/.start-" + UUID().uuidString
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DAGRON_PLUGIN_PATH")
        environment["TERM"] = "dumb"
        var processes: [Process] = []
        var outputs: [(String, String)] = []
        for _ in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments =
                ["-c", "while [ ! -e \"$0\" ]; do sleep 0.001; done; exec \"$@\"", startLine, DagronBinary.path]
                + arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.environment = environment
            let id = UUID().uuidString
            let output = (NSTemporaryDirectory() + "dagron-\(id).out", NSTemporaryDirectory() + "dagron-\(id).err")
            _ = FileManager.default.createFile(atPath: output.0, contents: nil)
            _ = FileManager.default.createFile(atPath: output.1, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output.0))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output.1))
            process.standardInput = FileHandle.nullDevice
            try process.run()
            processes.append(process)
            outputs.append(output)
        }
        self.processes = processes
        self.outputs = outputs
    }

    /// Lets every process start.
    func release() {
        _ = FileManager.default.createFile(atPath: startLine, contents: nil)
    }

    /// Waits (up to `timeout` seconds in all) for every process to end; past
    /// the timeout the rest are killed and this throws.
    func wait(timeout: Double = 120) throws -> [Outcome] {
        defer {
            try? FileManager.default.removeItem(atPath: startLine)
            for output in outputs {
                try? FileManager.default.removeItem(atPath: output.stdout)
                try? FileManager.default.removeItem(atPath: output.stderr)
            }
        }
        _ = waitUntil(timeout: timeout) { processes.allSatisfy { !$0.isRunning } }
        let stuck = processes.filter(\.isRunning)
        for process in stuck { kill(process.processIdentifier, SIGKILL) }
        for process in processes { process.waitUntilExit() }
        if !stuck.isEmpty {
            throw DagronProcessError.timedOut(arguments: ["\(stuck.count) simultaneous runs"], seconds: timeout)
        }
        return zip(processes, outputs).map { process, output in
            Outcome(
                status: process.terminationStatus,
                stdout: (try? String(contentsOfFile: output.stdout, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOfFile: output.stderr, encoding: .utf8)) ?? "")
        }
    }
}
