import Foundation
import TestSupport
import Testing

/// Plugins in `dagron run`: loaded from the plugin path, configured from the
/// file, the environment and --set, and stopping the run when they fail.
@Suite(.serialized) struct PluginRunTests {
    private struct Event: Decodable {
        let event: String
        let node: String?
        let status: String?
    }

    private func events(_ scratch: Scratch, _ file: String = "events.jsonl") throws -> [Event] {
        let text = try #require(scratch.read(file), "the event-recorder wrote nothing")
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
    }

    private let pipeline = """
        fail_fast: false
        plugins:
          event-recorder:
            file: ${EVENTS_DIR}/events.jsonl
        nodes:
          a: {run: echo a}
          b: {after: a, run: echo b}
          c: {after: a, run: exit 5}
          d: {after: c, run: echo d}
        """

    @Test func aPluginFromThePluginPathSeesEveryEventInOrder() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", pipeline)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run", "--plugin-path", DagronBinary.directory], in: scratch.path,
            environment: ["EVENTS_DIR": scratch.path])
        #expect(finished.status == 1, "\(finished.stderr)")
        #expect(finished.stdout.contains("plugins: event-recorder"))
        let recorded = try events(scratch)
        let names = recorded.map(\.event)
        #expect(Array(names.prefix(3)) == ["pre_build", "post_build", "pre_execute"])
        #expect(names.last == "post_execute")
        #expect(names.filter { $0 == "post_execute" }.count == 1)
        func index(_ event: String, _ node: String) -> Int? {
            recorded.firstIndex { $0.event == event && $0.node == node }
        }
        for node in ["a", "b", "c"] {
            let pre = try #require(index("pre_node", node))
            let ends = recorded.indices.filter {
                recorded[$0].node == node && ["post_node", "on_error"].contains(recorded[$0].event)
            }
            #expect(ends.count == 1, "\(node) must end exactly once")
            #expect(pre < (ends.first ?? -1))
        }
        #expect(try #require(index("post_node", "a")) < #require(index("pre_node", "b")))
        #expect(try #require(index("post_node", "a")) < #require(index("pre_node", "c")))
        #expect(recorded[try #require(index("on_error", "c"))].status == "failed")
        #expect(index("node_skipped", "d") != nil)
        #expect(index("pre_node", "d") == nil)
    }

    @Test func settingsComeFromTheEnvironmentAndSetWithSetWinning() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: echo a}\n")
        let viaEnvironment = try dagron(
            [
                "run", "p.yml", "--run-dir", "run1", "--plugin", "event-recorder", "--plugin-path",
                DagronBinary.directory,
            ],
            in: scratch.path, environment: ["DAGRON_PLUGIN_EVENT_RECORDER_FILE": scratch.path + "/env.jsonl"])
        #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
        #expect(try events(scratch, "env.jsonl").map(\.event).contains("post_node"))

        let viaSet = try dagron(
            [
                "run", "p.yml", "--run-dir", "run2", "--plugin", "event-recorder", "--plugin-path",
                DagronBinary.directory,
                "--set", "event-recorder.file=\(scratch.path)/set.jsonl",
            ],
            in: scratch.path, environment: ["DAGRON_PLUGIN_EVENT_RECORDER_FILE": scratch.path + "/env2.jsonl"])
        #expect(viaSet.status == 0, "\(viaSet.stderr)")
        #expect(scratch.read("set.jsonl") != nil)
        #expect(scratch.read("env2.jsonl") == nil, "--set overrides the environment")

        let stray = try dagron(["run", "p.yml", "--set", "nobody.key=1"], in: scratch.path)
        #expect(stray.status == 2)
        #expect(stray.stderr.contains("--set names plugin 'nobody'"))
    }

    @Test func aPluginThatFailsStopsTheRunBeforeAnyNode() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // event-recorder without its required `file` setting fails to configure.
        try scratch.write(
            "p.yml",
            """
            plugins:
              event-recorder:
            nodes:
              a: {run: touch ran}
            """)
        let stopped = try dagron(
            ["run", "p.yml", "--run-dir", "run", "--plugin-path", DagronBinary.directory], in: scratch.path)
        #expect(stopped.status == 2)
        #expect(stopped.stderr.contains("missing setting 'file'"))
        #expect(stopped.stderr.contains("no node was started"))
        #expect(scratch.read("ran") == nil)

        let anyway = try dagron(
            [
                "run", "p.yml", "--run-dir", "run2", "--plugin-path", DagronBinary.directory,
                "--keep-going-without-plugins",
            ],
            in: scratch.path)
        #expect(anyway.status == 0, "\(anyway.stderr)")
        #expect(scratch.read("ran") != nil)
        try FileManager.default.removeItem(atPath: scratch.path + "/ran")

        let none = try dagron(["run", "p.yml", "--run-dir", "run3", "--no-plugins"], in: scratch.path)
        #expect(none.status == 0, "\(none.stderr)")
        #expect(scratch.read("ran") != nil)
        try FileManager.default.removeItem(atPath: scratch.path + "/ran")

        let missing = try dagron(
            ["run", "p.yml", "--no-plugins", "--plugin", "no-such-plugin"], in: scratch.path)
        #expect(missing.status == 2, "--no-plugins with --plugin is a usage error")
        try scratch.write("q.yml", "nodes:\n  a: {run: touch ran}\n")
        let notFound = try dagron(
            ["run", "q.yml", "--run-dir", "run4", "--plugin", "no-such-plugin"], in: scratch.path)
        #expect(notFound.status == 2)
        #expect(notFound.stderr.contains("no-such-plugin"))
        #expect(scratch.read("ran") == nil)
    }
}
