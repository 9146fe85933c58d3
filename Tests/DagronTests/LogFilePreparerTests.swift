@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

@testable import Dagron

/// The log files made ahead of the workers: every node that ran has its
/// logs with its output, and a run ends with no file for a node that never
/// started, whatever stopped it.
@Suite struct LogFilePreparerTests {
    private struct Run {
        let folder: String
        let runner: PipelineRunner
        var logs: String { "\(folder)/run/logs" }

        init(_ yaml: String, runDirectory: String = "run") throws {
            folder =
                FileManager.default.temporaryDirectory.appendingPathComponent("dagron-logs-\(UUID().uuidString)")
                .path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let pipeline = try PipelineParser().parse(yaml, file: "\(folder)/p.yml")
            runner = PipelineRunner(
                pipeline: pipeline, directory: RunDirectory(path: "\(folder)/\(runDirectory)"), hooks: HookRegistry(),
                maxWorkers: 2)
            try runner.prepare()
        }

        func files() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: logs))
        }

        func cleanUp() { try? FileManager.default.removeItem(atPath: folder) }
    }

    private static func logNames(_ nodes: some Sequence<String>) -> Set<String> {
        Set(nodes.flatMap { ["\($0).stdout.log", "\($0).stderr.log"] })
    }

    @Test func everyNodeOfALongChainHasItsLogsAndItsOutput() async throws {
        let count = 3 * LogFilePreparer.lead
        let nodes = (0..<count).map { index in
            "  n\(index): {run: \"echo out \(index); echo err \(index) >&2\"\(index > 0 ? ", after: [n\(index - 1)]" : "")}"
        }
        let run = try Run("nodes:\n" + nodes.joined(separator: "\n") + "\n")
        defer { run.cleanUp() }
        let result = await run.runner.execute(try run.runner.build())
        #expect(result.isSuccess)
        #expect(try run.files() == Self.logNames((0..<count).map { "n\($0)" }))
        for index in [0, count / 2, count - 1] {
            let output = try String(contentsOfFile: "\(run.logs)/n\(index).stdout.log", encoding: .utf8)
            let errors = try String(contentsOfFile: "\(run.logs)/n\(index).stderr.log", encoding: .utf8)
            #expect(output == "out \(index)\n" && errors == "err \(index)\n")
        }
    }

    @Test func nodesSkippedAfterAFailureAndGatesLeaveNoFiles() async throws {
        // The chain behind the failure is far longer than the preparer's
        // lead: it prepares some of it while `b` runs, and must remove them.
        let skipped = (0..<(2 * LogFilePreparer.lead)).map { index in
            "  s\(index): {run: \"true\", after: [\(index == 0 ? "b" : "s\(index - 1)")]}"
        }
        let run = try Run(
            "fail_fast: false\nnodes:\n  a: {run: \"true\"}\n  b: {run: \"sleep 0.3; exit 3\", after: [a]}\n"
                + "  g: {gate: true, after: [b]}\n" + skipped.joined(separator: "\n") + "\n")
        defer { run.cleanUp() }
        let result = await run.runner.execute(try run.runner.build())
        #expect(result.failed == 1 && result.skipped == skipped.count + 1)
        #expect(try run.files() == Self.logNames(["a", "b"]))
    }

    @Test func aCancelledRunRemovesOnlyWhatItPrepared() async throws {
        let chain = (0..<(2 * LogFilePreparer.lead)).map { index in
            "  c\(index): {run: \"true\", after: [\(index == 0 ? "slow" : "c\(index - 1)")]}"
        }
        let run = try Run("nodes:\n  slow: {run: \"sleep 30\"}\n" + chain.joined(separator: "\n") + "\n")
        defer { run.cleanUp() }
        // A file already in the logs folder (a user's, or an earlier run's
        // in a reused directory) for a node that never starts stays as it was.
        try "kept\n".write(toFile: "\(run.logs)/c5.stdout.log", atomically: false, encoding: .utf8)
        let dag = try run.runner.build()
        let task = Task { await run.runner.execute(dag) }
        try await Task.sleep(for: .milliseconds(500))
        task.cancel()
        let result = await task.value
        #expect(!result.isSuccess)
        #expect(try run.files() == Self.logNames(["slow"]).union(["c5.stdout.log"]))
        #expect(try String(contentsOfFile: "\(run.logs)/c5.stdout.log", encoding: .utf8) == "kept\n")
    }
}
