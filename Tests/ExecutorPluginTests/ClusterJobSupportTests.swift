import ClusterJobSupport
@_spi(DagronHost) import DagronSDK
import Foundation
import TestSupport
import Testing

/// The batch script, exit file, word splitting and job ledger both executors use.
@Suite struct ClusterJobSupportTests {
    @Test func splittingRefusesUnclosedQuotes() {
        for bad in ["'open", "\"open", "trailing\\"] {
            #expect(throws: ShellQuoting.SplitError.self, "\(bad)") { try ShellQuoting.split(bad) }
        }
    }

    @Test func splittingMatchesTheShell() async throws {
        let line = #"a  'b c' "d \"e\" \$f" g\ h '' "it's" x"y"'z'"#
        let words = try ShellQuoting.split(line)
        #expect(words == ["a", "b c", "d \"e\" $f", "g h", "", "it's", "xyz"])
        // The same line through a real /bin/sh, one word per line.
        let result = try await ClusterCommand(
            executable: "/bin/sh", arguments: ["-c", "for w in \(line); do printf '<%s>' \"$w\"; done"]
        ).run()
        #expect(result.output == words.map { "<\($0)>" }.joined())
    }

    @Test func exitFilesThatAreNotOursAreIgnored() {
        #expect(ExitFile.parse("status=0 started=1 finished=2\n") == ExitFile(status: 0, startedAt: 1, finishedAt: 2))
        #expect(ExitFile.parse("status=137") == ExitFile(status: 137))
        for odd in ["", "status=", "status=-1", "status=256", "status=abc", "garbage", "status=99999999999999999999"] {
            #expect(ExitFile.parse(odd) == nil, "\(odd)")
        }
        #expect(ExitFile.read(path: "/nonexistent/x.exit") == nil)
    }

    @Test func theBatchScriptRunsTheCommandAndRecordsItsStatus() async throws {
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let job = fixture.job("weird node's/name", "pwd; echo \"$GREETING\"; exit 7", extra: ["GREETING": "it's me"])
        let script = BatchScript(for: job)
        try script.write(for: job)
        #expect(script.scriptPath.hasSuffix("/executor/weird node's_name.1.sh"))
        try "status=0\n".write(toFile: script.exitFilePath, atomically: true, encoding: .utf8)
        try script.write(for: job)  // a rerun of the same attempt must not find a stale exit file
        #expect(ExitFile.read(path: script.exitFilePath) == nil)
        let attributes = try FileManager.default.attributesOfItem(atPath: script.scriptPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        let result = try await ClusterCommand(
            executable: script.scriptPath, arguments: [], environment: job.environment, workingDirectory: "/"
        ).run()
        #expect(result.status == 7)
        #expect(result.output == fixture.scratch.path + "\nit's me\n")
        let exit = try #require(ExitFile.read(path: script.exitFilePath))
        #expect(exit.status == 7)
        #expect(exit.outcome.ending == .failed && exit.outcome.exitCode == 7)
        #expect(try #require(exit.finishedAt) >= (try #require(exit.startedAt)))
    }

    @Test func aScriptWhoseDirectoryIsGoneFailsWithAStatus() async throws {
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        var job = fixture.job("n", "true")
        job.workingDirectory = fixture.scratch.path + "/missing"
        let script = BatchScript(for: job)
        try script.write(for: job)
        _ = try await ClusterCommand(executable: script.scriptPath, arguments: []).run()
        #expect(try #require(ExitFile.read(path: script.exitFilePath)).status != 0)
    }

    @Test func aScriptThatCannotBeWrittenIsAnError() throws {
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        var job = fixture.job("n", "true")
        try "a file".write(toFile: fixture.scratch.path + "/file", atomically: true, encoding: .utf8)
        job.runDirectory = fixture.scratch.path + "/file"
        #expect(throws: ClusterJobError.self) { try BatchScript(for: job).write(for: job) }
    }

    @Test func theLedgerReportsLostJobsOnlyAfterPollsAndTime() throws {
        var ledger = JobLedger(lostAfterPolls: 3, lostAfterSeconds: 30)
        ledger.submitted(id: "1", jobName: "dagron-r", node: "a", exitFilePath: "/nonexistent/a.exit")
        ledger.submitted(id: "2", jobName: "dagron-r", node: "b", exitFilePath: "/nonexistent/b.exit")
        #expect(ledger.resolveUnlisted("1", executor: "slurm", now: 0) == nil)
        #expect(ledger.resolveUnlisted("1", executor: "slurm", now: 1) == nil)
        #expect(ledger.resolveUnlisted("1", executor: "slurm", now: 2) == nil)  // three polls, but only 2 s
        ledger.seen("1")  // found again: the count starts over
        for now in [40.0, 50, 60] { #expect(ledger.resolveUnlisted("1", executor: "slurm", now: now) == nil) }
        let resolved = ledger.resolveUnlisted("1", executor: "slurm", now: 71)
        let lost = try #require(resolved)
        #expect(lost.ending == .failed)
        #expect(lost.message?.contains("slurm job 1 was lost") == true)
        #expect(ledger["1"]?.outcome == lost)
        #expect(ledger.unfinishedIDs == ["2"])
        #expect(ledger.resolveUnlisted("unknown", executor: "slurm", now: 100) == nil)
    }
}
