import Foundation
import TestSupport
import Testing

/// The real one-node Slurm cluster `scripts/test.sh` starts (with
/// `scripts/slurm-cluster.sh`), as the tests query it: `sinfo`, `squeue`,
/// `scontrol`, with the environment the script exported (`SLURM_CONF`).
enum SlurmCluster {
    /// Why the cluster cannot be used, or `nil` when `sinfo` answers.
    static func problem() -> String? {
        guard let output = try? command(["sinfo", "--noheader", "--format=%T"]), output.status == 0 else {
            return "no Slurm cluster answers `sinfo`: run the tests with scripts/test.sh, which starts one, "
                + "or `bash scripts/slurm-cluster.sh start && eval \"$(bash scripts/slurm-cluster.sh env)\"` first"
        }
        return nil
    }

    /// Fails the test (never skips it) when there is no cluster.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws {
        if let problem = problem() {
            Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation)
            throw ClusterMissing()
        }
    }

    struct ClusterMissing: Error {}

    /// `scontrol show job ID` as key=value pairs (`JobState`, `ExitCode`, `JobName`, ...).
    static func job(_ id: String) throws -> [String: String] {
        let output = try command(["scontrol", "--oneliner", "show", "job", id])
        var fields: [String: String] = [:]
        for word in output.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let equals = word.firstIndex(of: "=") else { continue }
            let key = String(word[..<equals])
            if fields[key] == nil { fields[key] = String(word[word.index(after: equals)...]) }
        }
        return fields
    }

    /// The ids and states of the queued or running jobs called `name`.
    static func queue(name: String) throws -> [String] {
        let output = try command(["squeue", "--noheader", "--name=\(name)", "--format=%i %T"])
        return output.stdout.split(separator: "\n").map(String.init)
    }

    /// Runs a Slurm client command to completion.
    static func command(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
