import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A plugin that calls `exit(0)` inside `dagron run` cannot make the run
/// exit 0 after a failure, lose `result.json` or orphan its nodes.
@Suite(.serialized) struct PluginExitTests {
    /// Nodes side by side: `slow` runs until killed; `bad` fails and `good`
    /// succeeds once `slow` has started, so their events fire while `slow` runs.
    private static let pipeline = """
        max_workers: 3
        fail_fast: false
        nodes:
          slow:
            run: echo $$ > slow.pid; exec sleep 300
          bad:
            run: while [ ! -s slow.pid ]; do sleep 0.05; done; exit 3
          good:
            run: while [ ! -s slow.pid ]; do sleep 0.05; done
        """

    static let midRunEvents = [("on_error", "bad"), ("post_node", "good"), ("pre_node", "bad")]

    @Test(
        "exit(0) in a hook while a node runs: exit code 1, result.json says why, no node survives",
        arguments: midRunEvents)
    func exitInAHookDuringTheRun(event: (String, String)) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", Self.pipeline)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run"] + MisbehavingPlugin.arguments(["exit": event.0, "node": event.1]),
            in: scratch.path, timeout: 60)
        #expect(finished.signal == nil)
        #expect(finished.status == 1, "stderr: \(finished.stderr)")
        #expect(finished.stderr.contains("call to exit() in plugin code"), "stderr: \(finished.stderr)")
        let report = try scratch.report()
        #expect((report["endedEarly"] as? String ?? "").contains("exit()"), "\(report)")
        #expect(report["exitCode"] as? Int == 1)
        #expect(nodesByName(report)["slow"]?["status"] as? String == "cancelled", "\(report)")
        // `slow` may not have started when the plugin exited (pre_node); if it did, it is gone.
        if let slow = Int32((scratch.read("slow.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) {
            #expect(waitUntil(timeout: 5) { !isRunning(slow) }, "the running node outlived dagron")
        }
        RunProcesses.expectNoneAlive(runDirectory: scratch.path + "/run")
    }

    @Test("exit(0) in teardown after a failed node: exit code 1, the run's own result.json kept")
    func exitInTeardownAfterAFailure() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              bad:
                run: exit 3
            """)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run"] + MisbehavingPlugin.arguments(["exit": "teardown"]), in: scratch.path,
            timeout: 60)
        #expect(finished.status == 1, "stderr: \(finished.stderr)")
        let report = try scratch.report()
        #expect(report["outcome"] as? String == "failed")
        #expect(nodesByName(report)["bad"]?["exitCode"] as? Int == 3)
    }

    @Test("exit(0) while plugins are set up: exit code 2, no node started")
    func exitDuringSetUp() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            nodes:
              work:
                run: touch ran.marker
            """)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run"] + MisbehavingPlugin.arguments(["exit": "initialize"]),
            in: scratch.path, timeout: 60)
        #expect(finished.status == 2, "stderr: \(finished.stderr)")
        #expect(finished.stderr.contains("while the plugins were being set up"), "stderr: \(finished.stderr)")
        #expect(scratch.read("ran.marker") == nil)
    }
}
