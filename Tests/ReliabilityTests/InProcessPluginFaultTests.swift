import Dagron
import DagronSDK
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// An in-process plugin that aborts, calls `exit(0)`, hangs, spins or floods
/// its output at any point of a run cannot orphan a node, lose `result.json`
/// of a run that started, or end a run whose node failed with status 0; and
/// `dagron` says which plugin did what where. Slow callbacks are reported
/// once, fast ones never.
@Suite(.serialized) struct InProcessPluginFaultTests {
    /// Where the plugin misbehaves: before the DAG exists (set-up), while
    /// nodes run, after they all ended.
    static let places = [
        "initialize", "pre_build", "post_build", "pre_execute", "pre_node", "post_node", "on_error", "post_execute",
        "teardown",
    ]
    static let faults = ["abort", "exit", "hang", "spin", "flood"]

    /// Nothing has started yet: no run, or no node of it.
    static let setUpPlaces: Set<String> = ["initialize", "pre_build", "post_build"]

    /// The node whose event the plugin misbehaves in, for node events.
    static func node(for place: String) -> String? {
        switch place {
        case "pre_node", "post_node": "b"
        case "on_error": "bad"
        default: nil
        }
    }

    /// `sleeper` runs beside `bad` (which fails) and `b`: those two wait for
    /// it to start, so their events fire while it runs. When the fault cuts
    /// the run short, `sleeper` sleeps 30 s and must be killed; otherwise
    /// (a flood, or a fault after the last node) it ends in a moment.
    static func pipeline(sleeperOutlivesTheFault: Bool) -> String {
        """
        max_workers: 3
        fail_fast: false
        nodes:
          sleeper:
            run: echo $$ > sleeper.pid; exec sleep \(sleeperOutlivesTheFault ? "30" : "0.2")
          bad:
            run: while [ ! -s sleeper.pid ]; do sleep 0.02; done; exit 3
          b:
            run: while [ ! -s sleeper.pid ]; do sleep 0.02; done
        """
    }

    @Test("a plugin fault at any point: no orphan, a clear report, never status 0", arguments: faults, places)
    func faultAnywhere(fault: String, place: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let cutsShort = fault != "flood" && !["post_execute", "teardown"].contains(place)
        try scratch.write("p.yml", Self.pipeline(sleeperOutlivesTheFault: cutsShort))
        var settings = ["fault": fault, "at": place, "stall_timeout": "1s", "flood_mb": "2"]
        settings["node"] = Self.node(for: place)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run"] + MisbehavingPlugin.arguments(settings), in: scratch.path, timeout: 90)
        let context =
            "\(fault) at \(place): status \(finished.status), signal \(finished.signal.map(String.init) ?? "none"), stderr: \(finished.stderr.suffix(2000))"
        defer { RunProcesses.expectNoneAlive(runDirectory: scratch.path + "/run") }

        // Never a success: a node fails in every run that gets that far, and the others were cut short.
        #expect(finished.status != 0, "\(context)")
        if fault != "flood" {
            #expect(finished.stderr.contains("misbehave"), "the plugin is not named: \(context)")
            #expect(finished.stderr.contains(place), "the event is not named: \(context)")
        }
        if fault == "abort" {
            #expect(finished.signal == SIGABRT, "\(context)")
            #expect(finished.stderr.contains("signal 6 (SIGABRT)"), "\(context)")
        } else {
            #expect(finished.signal == nil, "\(context)")
        }
        if fault == "hang" || fault == "spin" {
            #expect(finished.stderr.contains("stall timeout"), "\(context)")
            if Self.setUpPlaces.contains(place) { #expect(finished.status == 2, "\(context)") }
        }

        let startedRun =
            !Self.setUpPlaces.contains(place) || (fault == "exit" && place != "initialize") || fault == "flood"
        guard startedRun else {
            #expect(scratch.read("sleeper.pid") == nil, "a node started: \(context)")
            return
        }
        let report = try scratch.report()
        let exitCode = report["exitCode"] as? Int
        if let signal = finished.signal {
            #expect(exitCode == 128 + Int(signal), "\(context)")
        } else {
            #expect(exitCode == Int(finished.status), "\(context)")
        }
        let plugins = report["plugins"] as? [[String: Any]] ?? []
        #expect(plugins.first?["name"] as? String == MisbehavingPlugin.name, "\(report)")
        let failure = plugins.first?["failure"] as? [String: Any]
        switch fault {
        case "abort": #expect(failure?["kind"] as? String == "crashed", "\(report)")
        case "exit": #expect(failure?["kind"] as? String == "exited", "\(report)")
        case "hang", "spin": #expect(failure?["kind"] as? String == "stalled", "\(report)")
        default: #expect(failure == nil, "\(report)")
        }
        if fault != "flood" {
            let endedEarly = report["endedEarly"] as? String ?? ""
            #expect(endedEarly.contains("misbehave") && endedEarly.contains(place), "\(report)")
        }
        if cutsShort,
            let sleeper = Int32((scratch.read("sleeper.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        {
            #expect(waitUntil(timeout: 5) { !isRunning(sleeper) }, "the sleeping node outlived dagron: \(context)")
            #expect(nodesByName(report)["sleeper"]?["status"] as? String == "cancelled", "\(report)")
        }
    }

    /// A plugin's own thread exits or aborts while three nodes run: dagron
    /// kills them, and they are reported cancelled, not failed by its
    /// SIGKILL (which the workers, free of any hook, used to record).
    @Test("a fault on a plugin thread: the nodes dagron kills are reported cancelled", arguments: ["exit", "abort"])
    func faultOnAPluginThreadCancelsTheRunningNodes(fault: String) throws {
        for round in 0..<3 {
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            try scratch.write(
                "p.yml",
                """
                max_workers: 3
                nodes:
                  a: {run: touch a.up; exec sleep 30}
                  b: {run: touch b.up; exec sleep 30}
                  c: {run: "while [ ! -f a.up ] || [ ! -f b.up ]; do sleep 0.02; done; touch go; exec sleep 30"}
                  d: {after: a, run: 'true'}
                """)
            let finished = try dagron(
                ["run", "p.yml", "--run-dir", "run"]
                    + MisbehavingPlugin.arguments(["fault": fault, "at": "thread", "when_file": "go"]),
                in: scratch.path, timeout: 90)
            #expect(finished.status != 0, "round \(round): \(finished.stderr)")
            let report = try scratch.report()
            let nodes = nodesByName(report)
            for name in ["a", "b", "c", "d"] {
                #expect(
                    nodes[name]?["status"] as? String == "cancelled",
                    "round \(round), \(name): \(nodes[name] ?? [:]) \(finished.stderr)")
            }
            if fault == "abort" {
                // The crash guard kills the nodes from its signal handler, before its report.
                #expect(
                    finished.stderr.contains("while no plugin callback was running (in a thread of a plugin's own"),
                    "\(finished.stderr)")
            }
        }
    }

    @Test("a callback over its budget is reported once; the run still succeeds")
    func slowCallbackIsReportedOnce() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              a:
                run: "true"
              b:
                run: "true"
                after: [a]
              c:
                run: "true"
                after: [b]
            """)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run"]
                + MisbehavingPlugin.arguments([
                    "fault": "slow", "at": "post_node", "node": "b", "spin_ms": "300", "callback_budget": "50ms",
                ]),
            in: scratch.path, timeout: 60)
        #expect(finished.status == 0, "stderr: \(finished.stderr)")
        let lines = finished.stderr.split(separator: "\n").filter { $0.contains("budget") }
        #expect(lines.count == 1, "stderr: \(finished.stderr)")
        // Reported when it returned, or (on a loaded machine, where the
        // 300 ms spin takes over a second) while it was still running.
        let reported = lines.first.map {
            $0.contains("plugin 'misbehave' spent") || $0.contains("plugin 'misbehave' has spent over")
        }
        #expect(reported == true, "stderr: \(finished.stderr)")
        #expect(
            lines.first?.contains("in post_node (node 'b'), over its 50 ms budget") == true,
            "stderr: \(finished.stderr)")
        let report = try scratch.report()
        let plugins = report["plugins"] as? [[String: Any]] ?? []
        #expect(plugins.first?["state"] as? String == "ok", "\(report)")
        let slow = plugins.first?["slowCallbacks"] as? [[String: Any]] ?? []
        #expect(slow.count == 1, "\(report)")
        #expect(slow.first?["event"] as? String == "post_node")
        #expect(slow.first?["node"] as? String == "b")
        // Measured from the first sample that saw it: more than the budget, less than a minute.
        let seconds = slow.first?["seconds"] as? Double ?? 0
        #expect(seconds > 0.05 && seconds < 60, "\(report)")
    }

    @Test("a plugin whose callbacks are fast gets no budget report")
    func fastPluginIsNotReported() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            max_workers: 2
            nodes:
              a:
                run: "true"
              b:
                run: "true"
              c:
                run: "true"
                after: [a, b]
            """)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run"] + MisbehavingPlugin.arguments(["print": "false"]), in: scratch.path,
            timeout: 60)
        #expect(finished.status == 0, "stderr: \(finished.stderr)")
        #expect(!finished.stderr.contains("budget"), "stderr: \(finished.stderr)")
        let report = try scratch.report()
        let plugins = report["plugins"] as? [[String: Any]] ?? []
        #expect(plugins.first?["state"] as? String == "ok", "\(report)")
        #expect((plugins.first?["slowCallbacks"] as? [Any])?.isEmpty == true, "\(report)")
    }

    @Test("a budget or stall timeout out of range is a set-up error naming the key")
    func badWatchdogSettings() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              a:
                run: touch ran.marker
            """)
        for (key, value) in [("callback_budget", "-1s"), ("stall_timeout", "1e300"), ("stall_timeout", "soon")] {
            let finished = try dagron(
                ["run", "p.yml", "--run-dir", "run"] + MisbehavingPlugin.arguments([key: value]), in: scratch.path,
                timeout: 60)
            #expect(finished.status == 2, "\(key)=\(value): \(finished.stderr)")
            #expect(finished.stderr.contains(key), "\(key)=\(value): \(finished.stderr)")
            #expect(scratch.read("ran.marker") == nil)
        }
    }
}

/// An in-process plugin that changes the process's working directory (a
/// `chdir` in a library it calls) in the middle of a run: the process has
/// one, shared with dagron. The nodes that follow still run where the run
/// started, and the run's files still land in its run directory.
@Suite(.serialized) struct PluginWorkingDirectoryTests {
    @Test(arguments: ["initialize", "pre_node"])
    func aPluginThatChangesTheWorkingDirectoryMovesNeitherNodesNorTheRunsFiles(place: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let elsewhere = try Scratch()
        defer { elsewhere.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              a: {run: pwd > a.where}
              b: {after: a, run: pwd > b.where}
              c: {after: b, run: pwd > c.where}
            """)
        var settings = ["fault": "chdir", "at": place, "directory": elsewhere.path]
        if place == "pre_node" { settings["node"] = "b" }
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run"] + MisbehavingPlugin.arguments(settings), in: scratch.path, timeout: 90)
        #expect(finished.status == 0, "\(finished.stderr)")
        let here = URL(fileURLWithPath: scratch.path).resolvingSymlinksInPath().path
        for node in ["a", "b", "c"] {
            #expect(scratch.read("\(node).where") == here + "\n", "\(node) ran elsewhere")
        }
        let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/run/result.json")
        #expect(report.outcome == .succeeded)
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/run/logs/c.stdout.log"))
        let strays = (try? FileManager.default.contentsOfDirectory(atPath: elsewhere.path)) ?? []
        #expect(strays.isEmpty, "the run wrote into the plugin's directory: \(strays)")
    }

    /// The other plugins' relative output files (set after the `chdir`ing
    /// plugin, so configured after it) land where dagron was started: the
    /// host puts the directory back after a plugin's `configure` and
    /// `initialize` (with a warning), file settings are made absolute in
    /// `configure`, and the isolated recorder's process starts there.
    @Test(arguments: ["configure", "initialize", "pre_node"])
    func aPluginThatChangesTheWorkingDirectoryMovesNoOtherPluginsFiles(place: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let elsewhere = try Scratch()
        defer { elsewhere.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: 'true'}\n  b: {after: a, run: 'true'}\n")
        var settings = ["fault": "chdir", "at": place, "directory": elsewhere.path]
        if place == "pre_node" { settings["node"] = "a" }
        let others = [
            "--plugin-path", DagronBinary.directory, "--plugin", "timing", "--plugin", "logging",
            "--plugin", "event-recorder", "--isolate", "event-recorder",
            "--set", "timing.output=timing.txt", "--set", "timing.json=timing.json",
            "--set", "logging.file=log.txt", "--set", "event-recorder.file=events.jsonl",
        ]
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run"] + MisbehavingPlugin.arguments(settings) + others,
            in: scratch.path, timeout: 90)
        #expect(finished.status == 0, "\(finished.stderr)")
        for file in ["timing.txt", "timing.json", "log.txt", "events.jsonl", "run/result.json"] {
            #expect(FileManager.default.fileExists(atPath: scratch.path + "/" + file), "\(file) is missing")
        }
        let strays = (try? FileManager.default.contentsOfDirectory(atPath: elsewhere.path)) ?? []
        #expect(strays.isEmpty, "files written into the plugin's directory: \(strays)")
        if place != "pre_node" {
            #expect(
                finished.stderr.contains(
                    "plugin 'misbehave' changed the working directory to '\(URL(fileURLWithPath: elsewhere.path).resolvingSymlinksInPath().path)'"
                )
                    && finished.stderr.contains("(in \(place))"),
                "\(finished.stderr)")
        }
    }
}

/// A plugin that ignores `SIGCHLD` (the kernel then reaps every child
/// itself) while it is set up: the host puts the handling back, so the
/// nodes can still be waited for. Every node failed with "could not be
/// waited for: No child processes".
@Suite(.serialized) struct PluginSignalHandlingTests {
    @Test(arguments: ["configure", "initialize"])
    func aPluginThatIgnoresSIGCHLDDoesNotFailTheNodes(place: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: 'echo a'}\n  b: {after: a, run: 'exit 3'}\n")
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run"]
                + MisbehavingPlugin.arguments(["fault": "ignore_sigchld", "at": place]),
            in: scratch.path, timeout: 90)
        #expect(finished.status == 1, "b exits 3: \(finished.stderr)")
        let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/run/result.json")
        let statuses = Dictionary(uniqueKeysWithValues: report.nodes.map { ($0.name, $0) })
        #expect(statuses["a"]?.status == .completed, "\(finished.stdout)")
        #expect(statuses["b"]?.exitCode == 3, "\(finished.stdout)")
        #expect(
            finished.stderr.contains(
                "plugin 'misbehave' changed how the process handles SIGCHLD; dagron put it back (in \(place))"),
            "\(finished.stderr)")
    }
}
