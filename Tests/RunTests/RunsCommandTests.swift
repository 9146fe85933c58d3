import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `dagron runs list` and `dagron runs prune`, on run directories made by
/// real runs: bad options and what must never be removed first.
@Suite struct RunsCommandTests {
    private static let quick = "nodes:\n  a: {run: echo hello}\n"
    private static let gated = "nodes:\n  wait: {gate: {message: hold, timeout: 10m}}\n"

    /// A folder with `count` finished runs of `p.yml` under `.dagron/runs`, oldest first.
    private func finishedRuns(_ scratch: Scratch, count: Int) throws -> [String] {
        try scratch.write("p.yml", Self.quick)
        for _ in 0..<count {
            let run = try dagron(["run", "p.yml"], in: scratch.path)
            #expect(run.status == 0, "\(run.stderr)")
        }
        return try listed(scratch).reversed()
    }

    /// The run directories `runs list --json` shows, newest first.
    private func listed(_ scratch: Scratch) throws -> [String] {
        let list = try dagron(["runs", "list", "--json"], in: scratch.path)
        #expect(list.status == 0, "\(list.stderr)")
        return (JSONDocument.array(list) ?? []).compactMap { $0["runDirectory"] as? String }
    }

    /// Rewrites the `startedAt` of the run in `directory` (relative to the scratch folder).
    private func setStart(_ scratch: Scratch, _ directory: String, secondsAgo: Double, processID: Int32? = nil) throws {
        let path = scratch.path + "/" + directory + "/run.json"
        var manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        manifest["startedAt"] = Date().timeIntervalSince1970 - secondsAgo
        if let processID { manifest["processID"] = processID }
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: path))
    }

    private func exists(_ scratch: Scratch, _ path: String) -> Bool {
        FileManager.default.fileExists(atPath: scratch.path + "/" + path)
    }

    @Test func pruneRefusesMissingContradictoryOrBadOptionsAndRemovesNothing() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let runs = try finishedRuns(scratch, count: 1)
        let bad: [([String], String)] = [
            ([], "give --keep N or --older-than AGE"),
            (["--keep", "1", "--older-than", "7d"], "contradict"),
            (["--keep", "-1"], "--keep"),
            (["--keep", "99999999999999999999999"], "--keep"),
            (["--older-than", "7x"], "--older-than: expected an age"),
            (["--older-than", ""], "--older-than: expected an age"),
            (["--older-than", "-1d"], "--older-than"),
            (["--older-than", "0"], "--older-than: expected an age"),
            (["--older-than", "1e300d"], "--older-than: expected an age"),
            (["--older-than", "99999999999999999999d"], "--older-than: expected an age"),
            (["--older-than", "nan"], "--older-than: expected an age"),
            (["--older-than", "7 d"], "--older-than: expected an age"),
            (["--older-than", "d"], "--older-than: expected an age"),
            (["--keep", "1", "--runs-dir", ""], "--runs-dir is empty"),
        ]
        for (options, message) in bad {
            let prune = try dagron(["runs", "prune"] + options, in: scratch.path)
            #expect(prune.status == 2, "\(options): \(prune.stdout)\(prune.stderr)")
            #expect(prune.stderr.contains(message), "\(options): \(prune.stderr)")
            #expect(prune.signal == nil)
        }
        let list = try dagron(["runs", "list", "--runs-dir", ""], in: scratch.path)
        #expect(list.status == 2 && list.stderr.contains("--runs-dir is empty"), "\(list.stdout)\(list.stderr)")
        #expect(try listed(scratch) == runs, "a bad option removed a run")
    }

    @Test func pruneNeverRemovesARunInProgress() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let old = try finishedRuns(scratch, count: 2)
        try scratch.write("g.yml", Self.gated)
        let running = try DagronProcess(["run", "g.yml"], in: scratch.path)
        defer { if running.process.isRunning { running.send(SIGKILL) } }
        #expect(waitUntil(timeout: 60) { (try? listed(scratch).count) == 3 })
        let live = try #require(try listed(scratch).first { $0.contains("/g-") })
        #expect(waitUntil(timeout: 60) { exists(scratch, live + "/gates/wait.status") })
        // Let the run grow older than --older-than's shortest age, 1s.
        let started = Date()
        #expect(waitUntil(timeout: 10) { Date().timeIntervalSince(started) > 1.5 })
        for options in [["--older-than", "1s"], ["--keep", "0"]] {
            let prune = try dagron(["runs", "prune"] + options, in: scratch.path)
            #expect(prune.status == 0, "\(prune.stderr)")
            #expect(
                prune.stdout.contains("kept     \(live): in progress (process \(running.process.processIdentifier))"),
                "\(prune.stdout)")
            #expect(exists(scratch, live + "/run.json"))
        }
        for directory in old { #expect(!exists(scratch, directory), "\(directory) was kept") }
        let list = try #require(JSONDocument.array(try dagron(["runs", "list", "--json"], in: scratch.path)))
        #expect(list.first?["outcome"] as? String == "running")
        #expect(try dagron(["gate", "approve", live, "wait"], in: scratch.path).status == 0)
        #expect(try running.wait(timeout: 60).status == 0)
    }

    @Test func pruneLeavesEverythingThatIsNotARunDirectory() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let runs = try finishedRuns(scratch, count: 2)
        let base = scratch.path + "/.dagron/runs"
        try FileManager.default.createDirectory(atPath: base + "/notes", withIntermediateDirectories: true)
        try scratch.write(".dagron/runs/notes/keep.txt", "mine")
        try scratch.write(".dagron/runs/README", "not a run")
        try FileManager.default.createDirectory(atPath: base + "/broken", withIntermediateDirectories: true)
        try scratch.write(".dagron/runs/broken/run.json", "{not json")
        // A link to a run elsewhere: the link is not a run directory, and what it points at is not ours to remove.
        try scratch.write("elsewhere.yml", Self.quick)
        #expect(try dagron(["run", "elsewhere.yml", "--run-dir", "outside"], in: scratch.path).status == 0)
        try FileManager.default.createSymbolicLink(
            atPath: base + "/linked", withDestinationPath: scratch.path + "/outside")

        let prune = try dagron(["runs", "prune", "--keep", "0"], in: scratch.path)
        #expect(prune.status == 0, "\(prune.stderr)")
        for directory in runs { #expect(!exists(scratch, directory)) }
        for kept in [
            ".dagron/runs/notes/keep.txt", ".dagron/runs/README", ".dagron/runs/broken/run.json", "outside/run.json",
        ] {
            #expect(exists(scratch, kept), "\(kept) was removed")
        }
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: base + "/linked")) != nil)
        // `latest` pointed at a removed run and none is left: it is gone too, not dangling.
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: base + "/latest")) == nil)
        #expect(prune.stdout.contains("removed 2 runs, freed "), "\(prune.stdout)")
    }

    @Test func aProcessIDReusedByALaterProcessDoesNotKeepARun() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let runs = try finishedRuns(scratch, count: 1)
        let stranger = Process()
        stranger.executableURL = URL(fileURLWithPath: "/bin/sleep")
        stranger.arguments = ["60"]
        try stranger.run()
        defer {
            kill(stranger.processIdentifier, SIGKILL)
            stranger.waitUntilExit()
        }
        // The manifest says the run started 2 days ago under the stranger's id, which started just now.
        try setStart(scratch, runs[0], secondsAgo: 2 * 86_400, processID: stranger.processIdentifier)
        try FileManager.default.removeItem(atPath: scratch.path + "/" + runs[0] + "/result.json")
        let list = try dagron(["runs", "list", "--json"], in: scratch.path)
        #expect(JSONDocument.array(list)?.first?["outcome"] as? String == "unfinished", "\(list.stdout)")
        let prune = try dagron(["runs", "prune", "--older-than", "1d"], in: scratch.path)
        #expect(prune.status == 0)
        #expect(!exists(scratch, runs[0]))
    }

    @Test func pruneDryRunRemovesNothingAndOlderThanKeepsRecentRuns() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let runs = try finishedRuns(scratch, count: 3)
        try setStart(scratch, runs[0], secondsAgo: 8 * 86_400)
        try setStart(scratch, runs[1], secondsAgo: 6 * 86_400)
        let dry = try dagron(["runs", "prune", "--older-than", "7d", "--dry-run"], in: scratch.path)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would remove \(runs[0]) ("), "\(dry.stdout)")
        #expect(dry.stdout.contains("--dry-run: would remove 1 run, freeing "))
        #expect(runs.allSatisfy { exists(scratch, $0) })

        let json = try dagron(["runs", "prune", "--older-than", "1w", "--json"], in: scratch.path)
        #expect(json.status == 0, "\(json.stderr)")
        let document = try #require(JSONDocument.object(json), "\(json.stdout)")
        #expect(document["dryRun"] as? Bool == false)
        #expect((document["removed"] as? [[String: Any]])?.compactMap { $0["runDirectory"] as? String } == [runs[0]])
        #expect((document["freedBytes"] as? Int ?? 0) > 0)
        #expect(!exists(scratch, runs[0]))
        #expect(exists(scratch, runs[1]) && exists(scratch, runs[2]))

        let keep = try dagron(["runs", "prune", "--keep", "1"], in: scratch.path)
        #expect(keep.status == 0)
        #expect(keep.stdout.contains("removed \(runs[1]) ("), "\(keep.stdout)")
        #expect(try listed(scratch) == [runs[2]])
    }

    @Test func listShowsRunsNewestFirstWithOutcomeDurationAndSize() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let empty = try dagron(["runs", "list"], in: scratch.path)
        #expect(empty.status == 0)
        #expect(empty.stdout.contains("no runs in .dagron/runs"))

        let runs = try finishedRuns(scratch, count: 2)
        try scratch.write("f.yml", "nodes:\n  bad: {run: exit 3}\n")
        #expect(try dagron(["run", "f.yml"], in: scratch.path).status == 1)
        let list = try dagron(["runs", "list", "--json"], in: scratch.path)
        let rows = try #require(JSONDocument.array(list), "\(list.stdout)")
        #expect(rows.count == 3)
        let newest = try #require(rows.first)
        #expect(
            Set(newest.keys) == [
                "runDirectory", "pipeline", "name", "startedAt", "outcome", "durationSeconds", "sizeBytes", "latest",
                "processID",
            ])
        #expect(newest["pipeline"] as? String == "f.yml")
        #expect(newest["outcome"] as? String == "failed")
        #expect(newest["latest"] as? Bool == true)
        #expect(JSONDocument.isISOTime(newest["startedAt"]))
        #expect((newest["sizeBytes"] as? Int ?? 0) > 0)
        #expect(newest["durationSeconds"] is Double || newest["durationSeconds"] is Int)
        #expect(rows.dropFirst().map { $0["runDirectory"] as? String } == runs.reversed())
        #expect(
            rows.dropFirst().allSatisfy { $0["outcome"] as? String == "succeeded" && $0["latest"] as? Bool == false })

        let text = try dagron(["runs", "list"], in: scratch.path)
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("RUN") == true, "\(text.stdout)")
        #expect(lines.count == 5)
        #expect(lines[1].contains("(latest)") && lines[1].contains("failed"))
        #expect(lines.last?.hasPrefix("3 runs, ") == true)
    }
}
