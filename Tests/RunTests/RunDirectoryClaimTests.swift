import Dagron
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `--run-dir` takes only a new or empty directory: a run never writes over
/// an earlier run's `result.json` or logs, nor into a folder of the user's,
/// and two runs never share one.
@Suite(.serialized) struct RunDirectoryClaimTests {
    private let pipeline = "nodes:\n  a: {run: echo hi}\n"

    @Test func aFolderOfTheUsersIsLeftAsItWas() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        try FileManager.default.createDirectory(atPath: scratch.path + "/mine/logs", withIntermediateDirectories: true)
        try scratch.write("mine/result.json", "precious\n")
        try scratch.write("mine/run.json", "mine\n")
        try scratch.write("mine/logs/a.stdout.log", "mine\n")
        let finished = try dagron(["run", "p.yml", "--run-dir", "mine"], in: scratch.path)
        #expect(finished.status == 2, "\(finished.stderr)")
        #expect(
            finished.stderr.contains(
                "cannot use the run directory mine: it is not empty (it holds 'logs', 'result.json', 'run.json')"),
            "\(finished.stderr)")
        #expect(scratch.read("mine/result.json") == "precious\n")
        #expect(scratch.read("mine/run.json") == "mine\n")
        #expect(scratch.read("mine/logs/a.stdout.log") == "mine\n")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/mine/gates"))
    }

    @Test func anEarlierRunKeepsItsResult() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        let first = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(first.status == 0, "\(first.stderr)")
        let result = try #require(scratch.read("run/result.json"))
        let log = try #require(scratch.read("run/logs/a.stdout.log"))
        try scratch.write("q.yml", "nodes:\n  a: {run: 'false'}\n")
        let second = try dagron(["run", "q.yml", "--run-dir", "run"], in: scratch.path)
        #expect(second.status == 2, "\(second.stderr)")
        #expect(second.stderr.contains("cannot use the run directory run: it is not empty"), "\(second.stderr)")
        #expect(scratch.read("run/result.json") == result)
        #expect(scratch.read("run/logs/a.stdout.log") == log)
    }

    @Test func anEmptyOrNewFolderIsTaken() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        try FileManager.default.createDirectory(atPath: scratch.path + "/empty", withIntermediateDirectories: false)
        for directory in ["empty", "new/deeper/run"] {
            let finished = try dagron(["run", "p.yml", "--run-dir", directory], in: scratch.path)
            #expect(finished.status == 0, "\(directory): \(finished.stderr)")
            #expect(scratch.read("\(directory)/logs/a.stdout.log") == "hi\n")
            #expect(try scratch.report(directory)["outcome"] as? String == "succeeded")
        }
    }

    @Test func anEmptyPathOrAFileIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        try scratch.write("afile", "kept\n")
        let empty = try dagron(["run", "p.yml", "--run-dir", ""], in: scratch.path)
        #expect(empty.status == 2, "\(empty.stderr)")
        #expect(empty.stderr.contains("--run-dir is empty"), "\(empty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/result.json"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/run.json"))
        let file = try dagron(["run", "p.yml", "--run-dir", "afile"], in: scratch.path)
        #expect(file.status == 2, "\(file.stderr)")
        #expect(file.stderr.contains("cannot use the run directory afile: it exists and is not a directory"))
        #expect(scratch.read("afile") == "kept\n")
    }

    /// Eight claims of one fresh path at once: exactly one gets it, the
    /// others are told it is taken (in use, or not empty by then).
    @Test func concurrentClaimsOfOneDirectoryGiveItToOne() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        for round in 0..<20 {
            let path = scratch.path + "/race-\(round)"
            let outcomes = await withTaskGroup(of: Result<RunDirectory, RunDirectoryRefusal>.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do throws(RunDirectoryRefusal) {
                            return .success(try RunDirectory.claim(path: path))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.filter { if case .success = $0 { true } else { false } }
            #expect(winners.count == 1, "round \(round): \(outcomes)")
            for case .failure(let refusal) in outcomes {
                switch refusal {
                case .inUse, .notEmpty: break
                default: Issue.record("round \(round): \(refusal)")
                }
            }
        }
    }
}
