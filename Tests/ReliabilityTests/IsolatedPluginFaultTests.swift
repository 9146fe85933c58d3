import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// An isolated plugin that aborts, exits, hangs, spins or floods its output
/// in any hook or in teardown: the run completes with its nodes' exit code,
/// `result.json` names the plugin's failure, and nothing of the plugin's
/// process is left.
@Suite(.serialized) struct IsolatedPluginFaultTests {
    /// `b` fails and `c` succeeds (fail_fast off), so every hook fires.
    private static let pipeline = """
        max_workers: 1
        fail_fast: false
        nodes:
          a: {run: "true"}
          b: {run: "exit 3", after: [a]}
          c: {run: "true", after: [a]}
        """

    static let places = [
        "pre_build", "post_build", "pre_execute", "pre_node", "post_node", "on_error", "post_execute", "teardown",
    ]

    /// Runs the pipeline with the misbehaving plugin isolated.
    private func run(fault: String, at place: String, extra: [String] = [])
        throws -> (finished: Finished, report: [String: Any], scratch: Scratch)
    {
        let scratch = try Scratch()
        try scratch.write("p.yml", Self.pipeline)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run", "--isolate", MisbehavingPlugin.name]
                + MisbehavingPlugin.arguments(["fault": fault, "at": place, "stall_timeout": "1s", "flood_mb": "2"])
                + extra,
            in: scratch.path, timeout: 90)
        return (finished, try scratch.report(), scratch)
    }

    /// The plugin's host processes still alive (read from /proc).
    private func pluginHosts() throws -> [Int32] {
        let needle = try MisbehavingPlugin.directory()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let text = String(decoding: data, as: UTF8.self)
            return text.contains("host-child") && text.contains(needle) && isRunning(pid)
        }
    }

    @Test(
        "abort, exit(0), hang and spin in every hook and in teardown: the run goes on, result.json names the failure",
        arguments: ["abort", "exit", "hang", "spin"], places)
    func faultStopsOnlyThePlugin(fault: String, place: String) throws {
        let (finished, report, scratch) = try run(fault: fault, at: place)
        defer { scratch.cleanUp() }
        #expect(finished.signal == nil)
        #expect(finished.status == 1, "the nodes' exit code (b failed); stderr: \(finished.stderr)")
        #expect(report["outcome"] as? String == "failed")
        let nodes = nodesByName(report)
        #expect(nodes["a"]?["status"] as? String == "completed")
        #expect(nodes["b"]?["exitCode"] as? Int == 3)
        #expect(nodes["c"]?["status"] as? String == "completed", "\(report)")
        let plugin = try #require((report["plugins"] as? [[String: Any]])?.first, "\(report)")
        #expect(plugin["isolation"] as? String == "process")
        #expect(plugin["state"] as? String == "failed", "\(report)")
        let failure = try #require(plugin["failure"] as? [String: Any])
        let kind = ["abort": "crashed", "exit": "exited", "hang": "stalled", "spin": "stalled"][fault]
        #expect(failure["kind"] as? String == kind, "\(failure)")
        if fault == "abort" { #expect(failure["signal"] as? Int == Int(SIGABRT)) }
        if fault == "exit" { #expect(failure["exitCode"] as? Int == 0) }
        if place == "teardown" {
            #expect(failure["phase"] as? String == "teardown", "\(failure)")
        } else {
            #expect(failure["event"] as? String == place, "\(failure)")
        }
        // One warning line naming the plugin.
        let warnings = finished.stderr.split(separator: "\n").filter { $0.contains("plugin 'misbehave' (isolated)") }
        #expect(warnings.count == 1, "stderr: \(finished.stderr)")
        #expect(
            waitUntil(timeout: 5) { (try? pluginHosts().isEmpty) ?? false }, "the plugin's process outlived the run")
    }

    @Test(
        "flooding standard output and error in every hook: the plugin stays up and the run is unaffected",
        arguments: places)
    func floodIsHarmless(place: String) throws {
        let (finished, report, scratch) = try run(fault: "flood", at: place)
        defer { scratch.cleanUp() }
        #expect(finished.status == 1, "\(finished.stderr.suffix(500))")
        let plugin = try #require((report["plugins"] as? [[String: Any]])?.first)
        #expect(plugin["state"] as? String == "ok", "\(plugin)")
        #expect(finished.stdout.utf8.count >= 2 << 20)
    }

    @Test("--plugin-failure fail: a plugin failure fails a run whose nodes all succeed")
    func failurePolicy() throws {
        for (flags, expected) in [([String](), Int32(0)), (["--plugin-failure", "fail"], Int32(1))] {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            try scratch.write(
                "p.yml",
                """
                nodes:
                  a: {run: "true"}
                """)
            let finished = try dagron(
                ["run", "p.yml", "--run-dir", "run", "--isolate", MisbehavingPlugin.name]
                    + MisbehavingPlugin.arguments(["fault": "abort", "at": "post_node"]) + flags,
                in: scratch.path, timeout: 60)
            #expect(finished.status == expected, "\(flags): \(finished.stderr)")
            let report = try scratch.report()
            #expect(report["exitCode"] as? Int == Int(expected))
            #expect(nodesByName(report)["a"]?["status"] as? String == "completed")
        }
        // The pipeline key does the same.
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            plugin_failure: fail
            nodes:
              a: {run: "true"}
            """)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run", "--isolate", MisbehavingPlugin.name]
                + MisbehavingPlugin.arguments(["fault": "exit", "at": "teardown"]),
            in: scratch.path, timeout: 60)
        #expect(finished.status == 1, "\(finished.stderr)")
        #expect(try scratch.report()["outcome"] as? String == "failed")
    }

    @Test("a plugin that crashes while initializing, isolated: exit 2 before any node, with the signal named")
    func crashWhileInitializing() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              a: {run: touch ran.marker}
            """)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run", "--isolate", MisbehavingPlugin.name]
                + MisbehavingPlugin.arguments(["fault": "abort", "at": "initialize"]),
            in: scratch.path, timeout: 60)
        #expect(finished.status == 2, "\(finished.stderr)")
        #expect(finished.stderr.contains("crashed with signal 6"), "\(finished.stderr)")
        #expect(scratch.read("ran.marker") == nil)
    }
}

/// `dagron plugins check` runs each plugin's whole lifecycle isolated.
@Suite(.serialized) struct PluginLifecycleCheckTests {
    @Test("check: a crash in post_node is reported with the event and node, exit 1")
    func crashInPostNode() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let file = try MisbehavingPlugin.directory() + "/libmisbehave.so"
        let crashed = try dagron(
            ["plugins", "check", file, "--set", "fault=abort", "--set", "at=post_node"], in: scratch.path)
        #expect(crashed.status == 1, "\(crashed.stdout)\(crashed.stderr)")
        #expect(
            crashed.stdout.contains("crashed with signal 6 (SIGABRT) in post_node (node 'extract')"),
            "\(crashed.stdout)")
        let hung = try dagron(
            [
                "plugins", "check", file, "--set", "misbehave.fault=hang", "--set", "misbehave.at=teardown",
                "--stall-timeout", "1s",
            ], in: scratch.path)
        #expect(hung.status == 1)
        #expect(hung.stdout.contains("stalled in teardown"), "\(hung.stdout)")
        let exited = try dagron(
            ["plugins", "check", file, "--set", "fault=exit", "--set", "at=on_error"], in: scratch.path)
        #expect(exited.status == 1)
        #expect(exited.stdout.contains("exited with status 0 in on_error (node 'transform')"), "\(exited.stdout)")
    }

    @Test("check: a sound plugin goes through all seven lifecycle events; one that wants settings is told how")
    func soundPlugin() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let recorder = DagronBinary.directory + "/libDagronEventRecorder.so"
        let declined = try dagron(["plugins", "check", recorder], in: scratch.path)
        #expect(declined.status == 0, "\(declined.stdout)\(declined.stderr)")
        #expect(declined.stdout.contains("lifecycle not run: configure declined"), "\(declined.stdout)")
        let ok = try dagron(
            ["plugins", "check", recorder, "--set", "file=\(scratch.path)/events.jsonl"], in: scratch.path)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("lifecycle ok"), "\(ok.stdout)")
        let lines = (scratch.read("events.jsonl") ?? "").split(separator: "\n")
        let events = Set(
            lines.compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["event"] as? String
            })
        #expect(
            events.isSuperset(of: [
                "pre_build", "post_build", "pre_execute", "pre_node", "post_node", "on_error", "post_execute",
            ]),
            "\(events)")
    }
}
