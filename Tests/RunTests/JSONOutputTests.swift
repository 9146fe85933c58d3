import Foundation
import TestSupport
import Testing

/// `--json` on every command that reports: `validate`, `gate list`,
/// `plugins info`, `plugins check`. Errors still go to standard error with a
/// non-zero exit code and leave standard output empty (or, for `plugins
/// check`, a document that says which file failed).
@Suite struct JSONOutputTests {
    private let gated = """
        nodes:
          build: {run: "true"}
          release:
            after: build
            gate: {message: Ship it?, timeout: 5m}
        """

    @Test func validateJSONOfABadFilePrintsNothingOnStandardOutputAndExits2() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("bad.yml", "nodes:\n  a: {run: x, retires: 2}\n")
        let bad = try dagron(["validate", "bad.yml", "--json"], in: scratch.path)
        #expect(bad.status == 2)
        #expect(bad.stdout.isEmpty, "\(bad.stdout)")
        #expect(bad.stderr.contains("bad.yml:2:"), "\(bad.stderr)")
        #expect(bad.stderr.contains("retires"))
        let missing = try dagron(["validate", "missing.yml", "--json"], in: scratch.path)
        #expect(missing.status == 2)
        #expect(missing.stdout.isEmpty)
    }

    @Test func gateListJSONOfSomethingThatIsNotARunExits2() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let list = try dagron(["gate", "list", ".", "--json"], in: scratch.path)
        #expect(list.status == 2)
        #expect(list.stdout.isEmpty)
        #expect(list.stderr.contains("not a dagron run directory"))
    }

    @Test func pluginsInfoJSONOfAnUnknownNameExits2() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let info = try dagron(["plugins", "info", "no-such-plugin", "--json"], in: scratch.path)
        #expect(info.status == 2)
        #expect(info.stdout.isEmpty)
        #expect(info.stderr.contains("no plugin named 'no-such-plugin'"))
    }

    @Test func pluginsCheckJSONOfAFileThatIsNoPluginSaysSoAndExits1() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let file = try scratch.write("libNotAPlugin.so", "not an ELF file")
        let check = try dagron(["plugins", "check", file, "--json"], in: scratch.path)
        #expect(check.status == 1)
        let rows = try #require(JSONDocument.array(check), "\(check.stdout)")
        #expect(rows.count == 1)
        #expect(rows.first?["path"] as? String == file)
        #expect(rows.first?["status"] as? String == "failed")
        #expect((rows.first?["error"] as? String)?.isEmpty == false)
        #expect(rows.first?["lifecycle"] is NSNull)
        #expect(rows.first?["name"] is NSNull)
    }

    @Test func validateJSONKeepsStandardOutputForTheDocumentWhenPluginCodePrints() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // A library that prints when loaded and is no working plugin: validate loads it, fails it, keeps going.
        let source = try scratch.write(
            "noisy.c",
            """
            #include <stdio.h>
            __attribute__((constructor)) static void loaded(void) { printf("noise from plugin code\\n"); }
            unsigned int dagron_plugin_abi_version(void) { return 0; }
            void *dagron_plugin_create(void) { return 0; }
            """)
        try FileManager.default.createDirectory(atPath: scratch.path + "/plugins", withIntermediateDirectories: true)
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        compiler.arguments = ["-shared", "-fPIC", "-o", scratch.path + "/plugins/libNoisy.so", source]
        try compiler.run()
        compiler.waitUntilExit()
        try #require(compiler.terminationStatus == 0)
        try scratch.write("plugins/dagron.plugins", "noisy = \"libNoisy.so:dagron_plugin_create\"\n")
        try scratch.write("p.yml", gated)
        let valid = try dagron(
            [
                "validate", "p.yml", "--json", "--plugin", "noisy", "--plugin-path", scratch.path + "/plugins",
                "--keep-going-without-plugins",
            ], in: scratch.path)
        #expect(valid.status == 0, "\(valid.stderr)")
        #expect(JSONDocument.object(valid)?["valid"] as? Bool == true, "\(valid.stdout)")
        #expect(valid.stderr.contains("noise from plugin code"), "\(valid.stderr)")
    }

    @Test func pluginsCheckAndInfoJSONKeepStandardOutputForTheDocumentWhenThePluginPrints() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // The dashboard prints its URL when started: in the isolated child, on the descriptor 1 it inherits.
        let file = DagronBinary.directory + "/libDagronDashboard.so"
        let check = try dagron(["plugins", "check", file, "--json", "--set", "port=0"], in: scratch.path)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(JSONDocument.array(check)?.first?["name"] as? String == "dashboard", "\(check.stdout)")
        #expect(check.stderr.contains("Dashboard: http://127.0.0.1:"), "\(check.stderr)")
        let info = try dagron(["plugins", "info", "dashboard", "--json", "--set", "port=0"], in: scratch.path)
        #expect(info.status == 0, "\(info.stderr)")
        #expect(JSONDocument.object(info)?["name"] as? String == "dashboard", "\(info.stdout)")
    }

    @Test func validateJSONDescribesAValidFile() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", gated)
        let valid = try dagron(["validate", "p.yml", "--json", "--plugin", "timing"], in: scratch.path)
        #expect(valid.status == 0, "\(valid.stderr)")
        let document = try #require(JSONDocument.object(valid), "\(valid.stdout)")
        #expect(
            Set(document.keys) == [
                "pipeline", "name", "valid", "nodes", "gates", "dependencies", "plugins", "executors",
            ])
        #expect(document["pipeline"] as? String == "p.yml")
        #expect(document["name"] as? String == "p")
        #expect(document["valid"] as? Bool == true)
        #expect(document["nodes"] as? Int == 2)
        #expect(document["gates"] as? Int == 1)
        #expect(document["dependencies"] as? Int == 1)
        #expect(document["plugins"] as? [String] == ["timing"])
        #expect(document["executors"] as? [String] == [])
    }

    @Test func gateListJSONShowsAWaitingGateWithItsQuestionAndTheRunsStartInISO8601() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", gated)
        let run = try DagronProcess(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        defer { if run.process.isRunning { run.send(SIGKILL) } }
        #expect(waitUntil(timeout: 60) { scratch.read("run/gates/release.status")?.contains("\"waiting\"") == true })
        let list = try dagron(["gate", "list", "run", "--json"], in: scratch.path)
        #expect(list.status == 0, "\(list.stderr)")
        let document = try #require(JSONDocument.object(list), "\(list.stdout)")
        #expect(Set(document.keys) == ["runDirectory", "pipeline", "name", "startedAt", "running", "gates"])
        #expect(document["runDirectory"] as? String == "run")
        #expect(document["running"] as? Bool == true)
        #expect(JSONDocument.isISOTime(document["startedAt"]), "\(document["startedAt"] ?? "nil")")
        let gates = try #require(document["gates"] as? [[String: Any]])
        #expect(gates.count == 1)
        #expect(gates.first?["name"] as? String == "release")
        #expect(gates.first?["status"] as? String == "waiting")
        #expect(gates.first?["message"] as? String == "Ship it?")
        #expect(gates.first?["reason"] is NSNull)

        #expect(try dagron(["gate", "reject", "run", "release", "--reason", "freeze"], in: scratch.path).status == 0)
        _ = try run.wait(timeout: 60)
        let after = try #require(JSONDocument.object(try dagron(["gate", "list", "run", "--json"], in: scratch.path)))
        #expect(after["running"] as? Bool == false)
        let rejected = try #require((after["gates"] as? [[String: Any]])?.first)
        #expect(rejected["status"] as? String == "rejected")
        #expect(rejected["reason"] as? String == "freeze")
    }

    @Test func pluginsInfoJSONGivesTheBundledPluginsHooksAndOrigin() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let info = try dagron(["plugins", "info", "timing", "--json"], in: scratch.path)
        #expect(info.status == 0, "\(info.stderr)")
        let document = try #require(JSONDocument.object(info), "\(info.stdout)")
        #expect(
            Set(document.keys) == [
                "name", "version", "summary", "status", "path", "abi", "declared", "defaults", "secrets", "settings",
                "error",
                "hooks", "priorities", "hooksError", "quarantine", "also",
            ])
        let settings = try #require(document["settings"] as? [[String: Any]], "timing declares its settings")
        #expect(settings.compactMap { $0["key"] as? String } == ["output", "json", "top"])
        #expect(document["name"] as? String == "timing")
        #expect(document["status"] as? String == "loaded")
        #expect((document["path"] as? String)?.hasSuffix("/libDagronTiming.so") == true)
        let hooks = try #require(document["hooks"] as? [String: Int])
        #expect(hooks["post_node"] == 1)
        #expect(hooks["post_execute"] == 1)
        #expect(document["hooksError"] is NSNull)
        #expect(document["quarantine"] is NSNull)
        let declared = try #require(document["declared"] as? [String: Any])
        #expect(declared["factory"] as? String == "dagron_plugin_create")
    }

    @Test func pluginsCheckJSONReportsTheLifecycleOfAGoodPlugin() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let file = DagronBinary.directory + "/libDagronEventRecorder.so"
        let check = try dagron(
            ["plugins", "check", file, "--json", "--set", "file=\(scratch.path)/e.jsonl"], in: scratch.path)
        #expect(check.status == 0, "\(check.stderr)")
        let rows = try #require(JSONDocument.array(check), "\(check.stdout)")
        let row = try #require(rows.first)
        #expect(Set(row.keys) == ["path", "status", "name", "version", "error", "lifecycle"])
        #expect(row["status"] as? String == "ok")
        #expect(row["name"] as? String == "event-recorder")
        let lifecycle = try #require(row["lifecycle"] as? [String: Any])
        #expect(lifecycle["result"] as? String == "passed")
        // The synthetic run: 4 nodes, one fails and one is skipped.
        #expect((lifecycle["events"] as? [String: Int])?["post_node"] == 2)
        #expect((lifecycle["events"] as? [String: Int])?["on_error"] == 1)

        let loadOnly = try dagron(["plugins", "check", file, "--json", "--load-only"], in: scratch.path)
        #expect(loadOnly.status == 0)
        #expect(JSONDocument.array(loadOnly)?.first?["lifecycle"] is NSNull)
    }
}
