import Dagron
import Foundation
import TestSupport
import Testing

/// result.json is the run's record: written before plugins are torn down,
/// and a run that cannot write it (or cannot create its run directory)
/// exits 2, never 0.
@Suite(.serialized) struct ResultFileTests {
    @Test(arguments: [("exit 0", 0), ("exit 6", 1)])
    func aRunThatCannotWriteItsResultExitsTwo(command: String, ownCode: Int32) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // The node puts a directory where result.json should go: the atomic
        // rename over it fails. (A run directory that holds anything before
        // the run is refused outright.)
        try scratch.write(
            "p.yml", "fail_fast: false\nnodes:\n  a: {run: 'mkdir \"$DAGRON_RUN_DIR/result.json\"; \(command)'}\n")
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(finished.status == 2, "the run's own code would be \(ownCode): \(finished.stderr)")
        #expect(
            finished.stderr.contains("dagron: error: cannot write the run's result to run/result.json"),
            "\(finished.stderr)")
        #expect(
            finished.stdout.contains("1 succeeded") || finished.stdout.contains("1 failed"),
            "the summary is still printed")

        let json = try dagron(["run", "p.yml", "--run-dir", "run2", "--json"], in: scratch.path)
        #expect(json.status == 2)
        let printed = try JSONDecoder().decode(RunReport.self, from: Data(json.stdout.utf8))
        #expect(printed.exitCode == 2, "the printed document names the exit code dagron ends with")
    }

    @Test func aRunDirectoryThatCannotBeCreatedIsASetUpError() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: touch ran}\n")
        try scratch.write("file", "not a directory\n")
        let given = try dagron(["run", "p.yml", "--run-dir", "file/run"], in: scratch.path)
        #expect(given.status == 2)
        #expect(given.stderr.contains("cannot create the run directory file/run"), "\(given.stderr)")
        // The default location, blocked by a file named .dagron.
        try scratch.write(".dagron", "in the way\n")
        let fresh = try dagron(["run", "p.yml"], in: scratch.path)
        #expect(fresh.status == 2)
        #expect(fresh.stderr.contains("cannot create the run directory .dagron/runs"), "\(fresh.stderr)")
        #expect(scratch.read("ran") == nil)
    }

    @Test func aPluginThatCrashesInTeardownCannotLoseTheResult() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: echo a}\n  b: {after: a, run: echo b}\n")
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run"] + MisbehavingPlugin.arguments(["crash": "teardown"]), in: scratch.path)
        #expect(finished.status != 0, "the plugin aborts the process in its teardown")
        let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/run/result.json")
        #expect(report.outcome == .succeeded)
        #expect(report.counts.succeeded == 2)
    }
}
