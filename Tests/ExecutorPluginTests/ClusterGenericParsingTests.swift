import ClusterJobSupport
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

@testable import ClusterGenericPlugin

/// Templates, the status table and how `cluster-generic` reads a status listing.
@Suite struct ClusterGenericParsingTests {
    @Test func templatesQuoteEveryValue() throws {
        let template = try CommandTemplate(
            "sub --name={job_name} -o {stdout} --cpus={cpus} {script} ; echo {{literal}} }",
            allowed: CommandTemplate.jobPlaceholders)
        let line = template.expand([
            "job_name": ["dagron-r"], "stdout": ["/tmp/a b/it's.out"], "script": ["/x/$(reboot).sh"],
        ])
        #expect(
            line == "sub --name='dagron-r' -o '/tmp/a b/it'\\''s.out' --cpus='' '/x/$(reboot).sh' ; echo {literal} }")
        let ids = try CommandTemplate("squeue -j {job_ids}", allowed: CommandTemplate.queryPlaceholders)
        #expect(ids.expand(["job_ids": ["1", "2;rm -rf /"]]) == "squeue -j '1' '2;rm -rf /'")
        #expect(ids.uses("job_ids") && !ids.uses("job_name"))
    }

    @Test func expandedTemplatesRunAsWrittenInARealShell() async throws {
        let template = try CommandTemplate(
            "printf '%s|' {node} {stdout} {{x}}", allowed: CommandTemplate.jobPlaceholders)
        let hostile = "a'b\"c $(echo no) `echo no` \\ *"
        let result = try await ClusterCommand(
            executable: "/bin/sh", arguments: ["-c", template.expand(["node": [hostile], "stdout": [""]])]
        ).run()
        #expect(result.output == hostile + "||{x}|")
    }

    @Test func unknownPlaceholdersAreRefused() {
        #expect(throws: CommandTemplate.TemplateError.self) {
            try CommandTemplate("{job_ids}", allowed: CommandTemplate.jobPlaceholders)
        }
        #expect(throws: CommandTemplate.TemplateError.self) {
            try CommandTemplate("{}", allowed: CommandTemplate.jobPlaceholders)
        }
        #expect(throws: CommandTemplate.TemplateError.self) {
            try CommandTemplate("awk '{print $1}'", allowed: CommandTemplate.queryPlaceholders)
        }
        #expect(throws: Never.self) {
            try CommandTemplate("awk '{{print $1}}'", allowed: CommandTemplate.queryPlaceholders)
        }
    }

    @Test func placeholderValuesOfAJob() {
        let job = NodeJob(
            runID: "r", node: "n", attempt: 3, command: "true", environment: [:], workingDirectory: "/w",
            runDirectory: "/runs/r",
            standardOutputPath: "/runs/r/logs/n.out", standardErrorPath: "/runs/r/logs/n.err",
            resources: NodeResources(cpus: 2, memoryMebibytes: 100, timeSeconds: 61, gpus: nil))
        let values = ClusterGenericExecutor.placeholderValues(for: job, script: BatchScript(for: job))
        #expect(values["script"] == ["/runs/r/executor/n.3.sh"])
        #expect(values["job_name"] == ["dagron-r"])
        #expect(values["attempt"] == ["3"])
        #expect(values["cpus"] == ["2"] && values["mem_mb"] == ["100"] && values["time_minutes"] == ["2"])
        #expect(values["gpus"] == nil)
        #expect(values["cwd"] == ["/w"] && values["run_dir"] == ["/runs/r"])
    }

    @Test func statusListingAndStateTable() {
        let listed = ClusterStatusListing.parse("  \n1 RUNNING\n2\tPD extra words\n3\n1 COMPLETED\n4.server Q\n")
        #expect(listed == ["1": "RUNNING", "2": "PD", "4.server": "Q"])
        let table = ClusterStateTable(overrides: ["F": .failed, "custom": .running])
        #expect(table.meaning(of: "pending") == .queued)
        #expect(table.meaning(of: "CANCELLED+") == .cancelled)
        #expect(table.meaning(of: "DONE") == .succeeded)
        #expect(table.meaning(of: "EXIT") == .failed)
        #expect(table.meaning(of: "TO") == .timedOut)
        #expect(table.meaning(of: "C") == .ended)
        #expect(table.meaning(of: "F") == .failed)
        #expect(table.meaning(of: "CUSTOM") == .running)
        #expect(table.meaning(of: "???") == nil)
        #expect(ClusterStateTable().meaning(of: "F") == .ended)
    }

    @Test func listedWordsAndExitFilesDecideTheAnswer() throws {
        let scratch = try FileManager.default.url(
            for: .itemReplacementDirectory, in: .userDomainMask,
            appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true
        ).path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var ledger = JobLedger(lostAfterPolls: 2, lostAfterSeconds: 10)
        for id in ["a", "b", "c", "d"] {
            ledger.submitted(id: id, jobName: "dagron-r", node: id, exitFilePath: scratch + "/\(id).exit")
        }
        let table = ClusterStateTable()
        func answer(_ id: String, _ word: String?, _ now: Double) -> NodeJobState? {
            ClusterGenericExecutor.answer(for: id, word: word, table: table, ledger: &ledger, now: now)
        }
        #expect(answer("a", "PD", 0) == .queued)
        #expect(answer("a", "mystery", 0) == nil)
        // Not listed and no exit file: not finished until lost.
        #expect(answer("b", nil, 0) == nil)
        try "status=3 started=100 finished=104\n".write(toFile: scratch + "/b.exit", atomically: true, encoding: .utf8)
        guard case .finished(let failed)? = answer("b", nil, 1) else {
            Issue.record("b not finished")
            return
        }
        #expect(failed.ending == .failed && failed.exitCode == 3 && failed.startedAt == 100 && failed.finishedAt == 104)
        // Listed finished: the table's ending with the exit file's code.
        try "status=0 started=1 finished=2\n".write(toFile: scratch + "/c.exit", atomically: true, encoding: .utf8)
        #expect(
            answer("c", "CD", 0)
                == .finished(NodeJobOutcome(ending: .succeeded, exitCode: 0, state: "CD", startedAt: 1, finishedAt: 2)))
        // Ended without an exit file: lost after 2 polls and 10 s, cancelled when it was cancelled.
        ledger.cancelRequested(["d"])
        #expect(answer("d", "F", 0) == nil)
        #expect(answer("d", "F", 5) == nil)
        guard case .finished(let lost)? = answer("d", "F", 11) else {
            Issue.record("d not finished")
            return
        }
        #expect(lost.ending == .cancelled)
        #expect(ledger.unfinishedIDs == ["a"])
    }

    @Test func submitOutputMustStartWithOneWord() throws {
        #expect(try ClusterGenericExecutor.jobID(fromSubmitOutput: "  123.server \nmore\n") == "123.server")
        for bad in ["", "\n \n", "Submitted batch job 5", "a\u{7}b"] {
            #expect(throws: ClusterJobError.self, "\(bad)") { try ClusterGenericExecutor.jobID(fromSubmitOutput: bad) }
        }
    }
}
