import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The same plugin in-process and isolated (`--isolate`, `isolation:
/// process`) sees the same events with the same values.
@Suite(.serialized) struct IsolatedPluginTests {
    /// The recorder's lines without their `time` (which differs run to run).
    private func events(_ scratch: Scratch, _ file: String) throws -> [String] {
        let text = try #require(scratch.read(file), "the event-recorder wrote nothing to \(file)")
        return try text.split(separator: "\n").map { line in
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            object["time"] = nil
            return String(
                decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    /// Runs `pipeline` twice with the event recorder, in-process then
    /// isolated, and returns both recordings and both results.
    private func recordBothWays(
        _ pipeline: String, extra: [String] = [], interruptAfter marker: String? = nil
    ) throws -> (inProcess: [String], isolated: [String], statuses: (Int32, Int32), scratch: Scratch) {
        let scratch = try Scratch()
        try scratch.write("p.yml", pipeline)
        var statuses: [Int32] = []
        for (mode, flags) in [("in", [String]()), ("iso", ["--isolate", "event-recorder"])] {
            let arguments =
                [
                    "run", "p.yml", "--run-dir", "run-\(mode)", "--plugin-path", DagronBinary.directory,
                    "--plugin", "event-recorder", "--set", "event-recorder.file=\(scratch.path)/\(mode).jsonl",
                ]
                + flags + extra
            if let marker {
                let process = try DagronProcess(arguments, in: scratch.path)
                #expect(waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: scratch.path + "/" + marker) })
                process.send(SIGINT)
                let finished = try process.wait(timeout: 60)
                statuses.append(finished.status)
                try? FileManager.default.removeItem(atPath: scratch.path + "/" + marker)
            } else {
                let finished = try dagron(arguments, in: scratch.path, timeout: 60)
                #expect(finished.signal == nil, "\(finished.stderr)")
                statuses.append(finished.status)
            }
        }
        return (try events(scratch, "in.jsonl"), try events(scratch, "iso.jsonl"), (statuses[0], statuses[1]), scratch)
    }

    @Test("a diamond: the isolated recorder writes what the in-process one writes")
    func diamond() throws {
        let both = try recordBothWays(
            """
            max_workers: 1
            nodes:
              a: {run: "true"}
              b: {run: "true", after: [a]}
              c: {run: "true", after: [a]}
              d: {run: "true", after: [b, c]}
            """)
        defer { both.scratch.cleanUp() }
        #expect(both.statuses == (0, 0))
        #expect(both.inProcess.count == 12)
        #expect(both.isolated == both.inProcess)
        let report = try both.scratch.report("run-iso")
        let plugins = try #require(report["plugins"] as? [[String: Any]])
        #expect(plugins.first?["isolation"] as? String == "process")
        #expect(plugins.first?["state"] as? String == "ok")
    }

    @Test("a failure with skips: errors, statuses and counts are the same isolated")
    func failureWithSkips() throws {
        let both = try recordBothWays(
            """
            max_workers: 1
            nodes:
              a: {run: "true"}
              b: {run: "echo broken >&2; exit 4", after: [a]}
              c: {run: "true", after: [b]}
              d: {run: "true", after: [c]}
            """)
        defer { both.scratch.cleanUp() }
        #expect(both.statuses == (1, 1))
        #expect(both.isolated == both.inProcess)
        #expect(both.isolated.contains { $0.contains("\"event\":\"on_error\"") && $0.contains("status 4") })
        #expect(both.isolated.filter { $0.contains("node_skipped") }.count == 2)
        #expect(both.isolated.last?.contains("\"failed\":1") == true)
    }

    @Test("a cancelled run: the same events up to the end, isolated")
    func cancelledRun() throws {
        let both = try recordBothWays(
            """
            nodes:
              a: {run: "touch started.marker; exec sleep 60"}
              b: {run: "true", after: [a]}
            """, interruptAfter: "started.marker")
        defer { both.scratch.cleanUp() }
        #expect(both.statuses == (130, 130))
        #expect(both.isolated == both.inProcess)
        #expect(both.isolated.last?.contains("post_execute") == true)
    }

    /// A one-node pipeline (its node touches `ran.marker`) with the event
    /// recorder under `plugins:`, `isolation` set to `isolation` when given.
    private static func recorderPipeline(isolation: String?) -> String {
        """
        plugins:
          event-recorder:
            file: ${EVENTS_DIR}/events.jsonl
        """ + (isolation.map { "\n    isolation: \($0)" } ?? "") + """

            nodes:
              a: {run: touch ran.marker}
            """
    }

    /// `dagron run FILE --run-dir run` with the build folder on the plugin path.
    private func runWithRecorder(_ scratch: Scratch, _ file: String, _ extra: [String] = []) throws -> Finished {
        try dagron(
            ["run", file, "--run-dir", "run", "--plugin-path", DagronBinary.directory] + extra,
            in: scratch.path, environment: ["EVENTS_DIR": scratch.path])
    }

    @Test("isolation: process in the pipeline, and a manifest-free plugin chosen by name")
    func isolationFromThePipeline() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", Self.recorderPipeline(isolation: "process"))
        let finished = try runWithRecorder(scratch, "p.yml")
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(try events(scratch, "events.jsonl").count == 6)
        let plugins = try #require(try scratch.report()["plugins"] as? [[String: Any]])
        #expect(plugins.first?["isolation"] as? String == "process")
    }

    @Test("bad isolation settings and flags: exit 2 naming the key or flag, nothing runs")
    func badSettings() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", Self.recorderPipeline(isolation: "sandbox"))
        let badValue = try runWithRecorder(scratch, "p.yml")
        #expect(badValue.status == 2)
        #expect(badValue.stderr.contains("p.yml:4:") && badValue.stderr.contains("isolation"), "\(badValue.stderr)")
        let unknown = try dagron(
            ["run", "p.yml", "--run-dir", "run", "--isolate", "nobody", "--no-plugins"], in: scratch.path)
        #expect(unknown.status == 2)
        try scratch.write("q.yml", Self.recorderPipeline(isolation: nil))
        let notLoaded = try runWithRecorder(
            scratch, "q.yml", ["--isolate", "timing", "--set", "event-recorder.isolation=process"])
        #expect(notLoaded.status == 2)
        #expect(notLoaded.stderr.contains("--isolate names plugin 'timing'"), "\(notLoaded.stderr)")
        // A run that loads no plugin at all is told the same.
        try scratch.write("bare.yml", "nodes:\n  a: {run: 'true'}\n")
        let bare = try dagron(["run", "bare.yml", "--run-dir", "bare", "--isolate", "nobody"], in: scratch.path)
        #expect(bare.status == 2 && bare.stderr.contains("--isolate names plugin 'nobody'"), "\(bare.stderr)")
        for stall in ["nan", "-1", "1e300", "0"] {
            let finished = try runWithRecorder(
                scratch, "q.yml",
                ["--set", "event-recorder.isolation=process", "--set", "event-recorder.stall_timeout=\(stall)"])
            #expect(finished.status == 2, "stall_timeout=\(stall): \(finished.stderr)")
            #expect(finished.stderr.contains("stall_timeout"), "\(finished.stderr)")
        }
        let policy = try dagron(["run", "q.yml", "--plugin-failure", "maybe"], in: scratch.path)
        #expect(policy.status == 2)
        #expect(scratch.read("ran.marker") == nil)
    }
}

/// A plugin that faulted in a run is quarantined: shown by `plugins list`,
/// and run isolated by later runs until cleared or rebuilt.
@Suite(.serialized) struct QuarantineRunTests {
    @Test("a crash is recorded; the next run isolates the plugin and survives it; clear ends it")
    func quarantineCycle() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              a: {run: "true"}
            """)
        let environment = ["DAGRON_QUARANTINE": scratch.path + "/quarantine.json", "DAGRON_PLUGIN_CACHE": "0"]
        let crash = try MisbehavingPlugin.arguments(["fault": "abort", "at": "post_node"])
        let first = try dagron(
            ["run", "p.yml", "--run-dir", "run1", "--isolate", MisbehavingPlugin.name] + crash,
            in: scratch.path, environment: environment)
        #expect(first.status == 0, "\(first.stderr)")

        let listed = try dagron(
            ["plugins", "list", "--json", "--plugin-path", try MisbehavingPlugin.directory()],
            in: scratch.path, environment: environment)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let row = try #require(rows.first { $0["name"] as? String == MisbehavingPlugin.name }, "\(listed.stdout)")
        #expect(row["status"] as? String == "crashed")
        let quarantine = try #require(row["quarantine"] as? [String: Any])
        #expect(quarantine["event"] as? String == "post_node")
        #expect(quarantine["signal"] as? Int == Int(SIGABRT))

        // Not asked to isolate it, the next run does, and the same crash stops only the plugin.
        let second = try dagron(
            ["run", "p.yml", "--run-dir", "run2"] + crash, in: scratch.path, environment: environment)
        #expect(second.signal == nil)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("runs isolated until rebuilt or cleared"), "\(second.stderr)")
        let plugins = try #require(try scratch.report("run2")["plugins"] as? [[String: Any]])
        #expect(plugins.first?["isolation"] as? String == "process")
        #expect(plugins.first?["state"] as? String == "failed")

        let cleared = try dagron(
            ["plugins", "clear", MisbehavingPlugin.name], in: scratch.path, environment: environment)
        #expect(cleared.status == 0, "\(cleared.stderr)")
        let third = try dagron(
            ["run", "p.yml", "--run-dir", "run3"] + MisbehavingPlugin.arguments([:]),
            in: scratch.path, environment: environment)
        #expect(third.status == 0)
        let again = try #require(try scratch.report("run3")["plugins"] as? [[String: Any]])
        #expect(again.first?["isolation"] as? String == "in_process")
    }
}

/// Gates work through an isolated plugin: the dashboard, isolated, sees the
/// gate wait and its approval decides the run's gate.
@Suite(.serialized) struct IsolatedGateTests {
    @Test("the dashboard isolated: the gate shows as waiting, and approving it in the dashboard lets the run finish")
    func approveThroughAnIsolatedDashboard() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let run = try GatedDashboardRun(in: scratch, settings: ["isolation": "process"])
        defer { run.dagron.stop() }
        let approved = try run.approve()
        #expect(approved.status == 200, "\(approved.body)")
        let status = try run.dagron.wait(timeout: 60)
        #expect(status == 0, "\(run.dagron.output)")
        #expect(scratch.read("second.started") != nil, "the node after the gate did not run")
        let report = try scratch.report()
        let plugins = try #require(report["plugins"] as? [[String: Any]])
        #expect(plugins.first?["isolation"] as? String == "process")
        #expect(plugins.first?["state"] as? String == "ok")
        #expect(nodesByName(report)["approve"]?["status"] as? String == "completed")
    }
}

/// The other ways to choose isolation: `--isolate-all`, and a manifest's default.
@Suite(.serialized) struct IsolationChoiceTests {
    @Test("--isolate-all isolates every plugin of the run; a crash in one leaves the other working")
    func isolateAll() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              a: {run: "true"}
            """)
        let finished = try dagron(
            [
                "run", "p.yml", "--run-dir", "run", "--isolate-all", "--plugin-path", DagronBinary.directory,
                "--plugin", "event-recorder", "--set", "event-recorder.file=\(scratch.path)/events.jsonl",
            ]
                + MisbehavingPlugin.arguments(["fault": "abort", "at": "pre_node"]),
            in: scratch.path)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(
            finished.stdout.contains("misbehave (isolated)") && finished.stdout.contains("event-recorder (isolated)"),
            "\(finished.stdout)")
        let plugins = try #require(try scratch.report()["plugins"] as? [[String: Any]])
        #expect(Set(plugins.compactMap { $0["isolation"] as? String }) == ["process"])
        #expect(plugins.first { $0["name"] as? String == "event-recorder" }?["state"] as? String == "ok")
        #expect(plugins.first { $0["name"] as? String == MisbehavingPlugin.name }?["state"] as? String == "failed")
        #expect((scratch.read("events.jsonl") ?? "").contains("post_execute"))
    }

    @Test("a manifest's isolation default is honoured, and a pipeline's in_process overrides it")
    func manifestDefault() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let plugins = scratch.path + "/plugins"
        try FileManager.default.createDirectory(
            atPath: plugins, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        try FileManager.default.copyItem(
            atPath: try MisbehavingPlugin.directory() + "/libmisbehave.so", toPath: plugins + "/libmisbehave.so")
        try """
        misbehave = "libmisbehave.so"
        misbehave.isolation = "process"
        """.write(toFile: plugins + "/dagron.plugins", atomically: true, encoding: .utf8)
        try scratch.write(
            "p.yml",
            """
            nodes:
              a: {run: "true"}
            """)
        let isolated = try dagron(
            [
                "run", "p.yml", "--run-dir", "run", "--plugin-path", plugins, "--plugin", "misbehave",
                "--set", "misbehave.fault=exit", "--set", "misbehave.at=post_node",
            ], in: scratch.path)
        #expect(isolated.status == 0, "\(isolated.stderr)")
        let entry = try #require((try scratch.report()["plugins"] as? [[String: Any]])?.first)
        #expect(entry["isolation"] as? String == "process")
        #expect((entry["failure"] as? [String: Any])?["kind"] as? String == "exited")

        let inProcess = try dagron(
            [
                "run", "p.yml", "--run-dir", "run2", "--plugin-path", plugins, "--plugin", "misbehave",
                "--set", "misbehave.isolation=in_process",
            ], in: scratch.path)
        #expect(inProcess.status == 0, "\(inProcess.stderr)")
        #expect(
            (try scratch.report("run2")["plugins"] as? [[String: Any]])?.first?["isolation"] as? String == "in_process")
    }
}
