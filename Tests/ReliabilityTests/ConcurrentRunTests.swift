import Dagron
import Foundation
import TestSupport
import Testing

/// Runs of the same pipeline in the same folder at the same moment: each
/// gets a run directory of its own, and `.dagron/runs/latest` ends up at the
/// newest, replaced atomically.
@Suite(.serialized) struct ConcurrentRunTests {
    private let runs = ".dagron/runs"

    /// The run directories under `.dagron/runs` (not `latest`, not hidden files).
    private func runDirectories(_ scratch: Scratch) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/" + runs)
            .filter { $0 != "latest" && !$0.hasPrefix(".") }.sorted()
    }

    private func manifest(_ scratch: Scratch, _ name: String) throws -> RunManifest {
        try RunDirectory.readJSON(RunManifest.self, from: "\(scratch.path)/\(runs)/\(name)/run.json")
    }

    @Test func aLatestLinkToANewerRunIsNotReplaced() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "name: p\nnodes:\n  a: {run: echo a}\n")
        // A run that started later than this one will (its manifest says so) already owns `latest`.
        let newer = "\(scratch.path)/\(runs)/p-29991231-235959"
        try FileManager.default.createDirectory(atPath: newer, withIntermediateDirectories: true)
        try RunDirectory.writeJSON(
            RunManifest(
                pipeline: "p.yml", name: "p", processID: 1, startedAt: 32_503_680_000, nodes: ["a"], gates: [:]),
            to: newer + "/run.json")
        try FileManager.default.createSymbolicLink(
            atPath: "\(scratch.path)/\(runs)/latest", withDestinationPath: "p-29991231-235959")
        let finished = try dagron(["run", "p.yml"], in: scratch.path)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(try runDirectories(scratch).count == 2)
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: "\(scratch.path)/\(runs)/latest")
                == "p-29991231-235959")
    }

    @Test func aLatestLinkToAMissingOrOlderRunIsReplaced() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "name: p\nnodes:\n  a: {run: echo a}\n")
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/\(runs)", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: "\(scratch.path)/\(runs)/latest", withDestinationPath: "p-19990101-000000")
        let first = try dagron(["run", "p.yml"], in: scratch.path)
        #expect(first.status == 0, "\(first.stderr)")
        let afterFirst = try FileManager.default.destinationOfSymbolicLink(atPath: "\(scratch.path)/\(runs)/latest")
        #expect(try runDirectories(scratch) == [afterFirst], "a dangling latest is replaced")
        let second = try dagron(["run", "p.yml"], in: scratch.path)
        #expect(second.status == 0, "\(second.stderr)")
        let afterSecond = try FileManager.default.destinationOfSymbolicLink(atPath: "\(scratch.path)/\(runs)/latest")
        #expect(afterSecond != afterFirst, "an older run's latest is replaced")
        #expect(try runDirectories(scratch).sorted() == [afterFirst, afterSecond].sorted())
    }

    @Test func runsStartedTogetherEachGetTheirOwnDirectoryAndLatestIsTheNewest() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // Each node logs the run directory it was given; a shared directory would mix the logs.
        try scratch.write(
            "p.yml",
            """
            name: p
            nodes:
              a: {run: 'echo "$DAGRON_RUN_DIR"; echo "$DAGRON_RUN_DIR" >&2; sleep 0.3'}
              b: {after: a, run: 'echo "$DAGRON_RUN_DIR"'}
            """)
        let count = 8
        let simultaneous = try SimultaneousRuns(count: count, arguments: ["run", "p.yml"], in: scratch.path)
        simultaneous.release()
        for run in try simultaneous.wait() { #expect(run.status == 0, "\(run.stderr)") }

        let directories = try runDirectories(scratch)
        #expect(directories.count == count, "\(directories)")
        var processIDs = Set<Int32>()
        for name in directories {
            let folder = "\(runs)/\(name)"
            let absolute = URL(fileURLWithPath: scratch.path + "/" + folder).standardizedFileURL.path
            let resolved = URL(fileURLWithPath: absolute).resolvingSymlinksInPath().path
            let logged = scratch.read("\(folder)/logs/a.stdout.log")?.trimmingCharacters(in: .newlines)
            #expect(
                logged == absolute || logged == resolved, "\(folder) holds another run's log: \(logged ?? "nothing")")
            #expect(scratch.read("\(folder)/logs/a.stdout.log")?.split(separator: "\n").count == 1)
            #expect(scratch.read("\(folder)/logs/a.stderr.log")?.split(separator: "\n").count == 1)
            #expect(scratch.read("\(folder)/logs/b.stdout.log")?.split(separator: "\n").count == 1)
            let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/" + folder + "/result.json")
            #expect(report.runDirectory.hasSuffix(name), "\(folder)/result.json belongs to \(report.runDirectory)")
            #expect(report.outcome == .succeeded)
            processIDs.insert(try manifest(scratch, name).processID)
        }
        #expect(processIDs.count == count, "each directory's manifest names its own dagron process")

        let latest = try FileManager.default.destinationOfSymbolicLink(atPath: "\(scratch.path)/\(runs)/latest")
        let newest = try directories.max {
            try (manifest(scratch, $0).startedAt, $0) < (manifest(scratch, $1).startedAt, $1)
        }
        #expect(latest == newest, "latest points at \(latest), the newest run is \(String(describing: newest))")
        let stray = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/" + runs).filter {
            $0.hasPrefix(".")
        }
        #expect(stray.isEmpty, "temporary links left behind: \(stray)")
    }
}
