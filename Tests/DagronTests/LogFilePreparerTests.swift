@_spi(DagronHost) import DagronSDK
import Foundation
import SystemPackage
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

    /// The files under `folder` this process still has open.
    private static func openFiles(under folder: String) -> [String] {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.compactMap { descriptor in
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")
            return target.flatMap { $0.hasPrefix(folder + "/") ? $0 : nil }
        }
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
        #expect(Self.openFiles(under: run.folder).isEmpty, "descriptors left open")
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
        #expect(Self.openFiles(under: run.folder).isEmpty, "descriptors left open")
    }

    /// The first attempt writes into the files the thread made and left
    /// open; a retry opens them again by path and appends after its marker.
    @Test func aRetriedNodeKeepsEveryAttemptsOutputInOrder() async throws {
        let chain = (0..<LogFilePreparer.lead).map { index in
            "  c\(index): {run: \"echo c\(index)\", after: [\(index == 0 ? "flaky" : "c\(index - 1)")]}"
        }
        let run = try Run(
            "nodes:\n  first: {run: \"echo first\"}\n"
                + "  flaky: {run: \"echo try; echo oops >&2; [ -f marker ] || { touch marker; exit 1; }\", retries: 1, after: [first]}\n"
                + chain.joined(separator: "\n") + "\n")
        defer { run.cleanUp() }
        let result = await run.runner.execute(try run.runner.build())
        #expect(result.isSuccess)
        #expect(try String(contentsOfFile: "\(run.logs)/first.stdout.log", encoding: .utf8) == "first\n")
        #expect(
            try String(contentsOfFile: "\(run.logs)/flaky.stdout.log", encoding: .utf8)
                == "try\n--- attempt 2 ---\ntry\n")
        #expect(
            try String(contentsOfFile: "\(run.logs)/flaky.stderr.log", encoding: .utf8)
                == "oops\n--- attempt 2 ---\noops\n")
        #expect(try String(contentsOfFile: "\(run.logs)/c7.stdout.log", encoding: .utf8) == "c7\n")
        #expect(Self.openFiles(under: run.folder).isEmpty, "descriptors left open")
    }

    /// Files made for nodes that never started are closed and removed at
    /// the end; a node starting after that gets nothing (and no trap).
    @Test func afterTheEndNothingIsOpenAndALateStartGetsNothing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dagron-late-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let directory = RunDirectory(path: folder + "/run")
        try directory.create()
        let preparer = LogFilePreparer(nodes: ["a", "b"], directory: directory)
        // The thread makes both nodes' files (it may go `lead` ahead).
        let deadline = ContinuousClock.now + .seconds(30)
        while Self.openFiles(under: folder).count < 4, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let opened = try #require(preparer.starting(at: preparer.position(of: "a")))
        #expect(preparer.starting(at: preparer.position(of: "a")) == nil, "handed over twice")
        preparer.finish()
        #expect(preparer.starting(at: preparer.position(of: "b")) == nil)
        #expect(preparer.position(of: "missing") == nil)
        // Node a's files are its attempt's; node b's were closed and removed.
        #expect(Self.openFiles(under: folder).count == 2)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder + "/run/logs").sorted() == [
                "a.stderr.log", "a.stdout.log",
            ])
        let taken = try #require(opened.take())
        try taken.standardOutput.close()
        try taken.standardError.close()
        #expect(Self.openFiles(under: folder).isEmpty)
    }

    @Test func openedLogsAreTakenOnceAndClosedWhenNobodyTookThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dagron-opened-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let logs = NodeLogFiles(directory: folder, node: "n")
        let (created, opened) = logs.createAbsent()
        #expect(created.standardOutput && created.standardError)
        let taken = try #require(opened?.take())
        #expect(opened?.take() == nil, "taken twice")
        #expect(Self.openFiles(under: folder).count == 2)
        try taken.standardOutput.close()
        try taken.standardError.close()
        // Made again: existing files are left alone and nothing is opened.
        let (again, none) = logs.createAbsent()
        #expect(!again.standardOutput && !again.standardError && none == nil)
        // Not taken: closed with the last reference.
        unlink(logs.standardOutputPath)
        unlink(logs.standardErrorPath)
        var untaken = logs.createAbsent().opened
        #expect(untaken != nil && Self.openFiles(under: folder).count == 2)
        untaken = nil
        #expect(untaken == nil && Self.openFiles(under: folder).isEmpty)
    }
}
