import Foundation
import TestSupport
import Testing

/// `dagron validate` and `dagron run` agree: what `validate` refuses, `run`
/// refuses before anything runs (exit 2, the same `file:line:column: key:`
/// message), and what `validate` accepts gets through `run`'s set-up.
@Suite struct ValidateRunAgreementTests {
    private let plugins = ["--plugin-path", DagronBinary.directory]

    /// `validate` and `run` both refuse the file with exit 2 and `mention`, without a crash, and no node ran.
    private func expectBothRefuse(_ scratch: Scratch, mentioning mention: String, _ extra: [String] = []) throws {
        let validate = try dagron(["validate", "p.yml"] + plugins + extra, in: scratch.path)
        let run = try dagron(["run", "p.yml", "--run-dir", "run"] + plugins + extra, in: scratch.path)
        for (command, finished) in [("validate", validate), ("run", run)] {
            #expect(finished.signal == nil, "\(command): killed by signal \(finished.signal ?? 0)")
            #expect(finished.status == 2, "\(command): exit \(finished.status)\n\(finished.stderr)")
            #expect(finished.stderr.contains(mention), "\(command): no '\(mention)' in:\n\(finished.stderr)")
            #expect(!finished.stderr.contains("Fatal error"), "\(command): \(finished.stderr)")
        }
        #expect(scratch.read("ran") == nil, "a node ran")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/run"), "run made a run directory")
    }

    /// `validate` accepts the file and `run` runs it to success.
    private func expectBothAccept(_ scratch: Scratch, runDirectory: [String] = ["--run-dir", "run"]) throws {
        let validate = try dagron(["validate", "p.yml"] + plugins, in: scratch.path)
        #expect(validate.status == 0, "validate: \(validate.stderr)")
        let run = try dagron(["run", "p.yml"] + runDirectory + plugins, in: scratch.path)
        #expect(run.status == 0, "run: \(run.stdout)\(run.stderr)")
    }

    @Test func anUnsetVariableInPluginSettingsIsAValidateErrorToo() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            plugins:
              event-recorder:
                file: ${DAGRON_TEST_UNSET_VARIABLE}/events.jsonl
            nodes:
              a: {run: touch ran}
            """)
        try expectBothRefuse(
            scratch,
            mentioning:
                "p.yml:3:11: plugins.event-recorder.file: environment variable 'DAGRON_TEST_UNSET_VARIABLE' is not set")

        try scratch.write(
            "p.yml",
            """
            plugins:
              event-recorder:
                file: ${DAGRON_TEST_UNSET_VARIABLE:-.}/events.jsonl
            nodes:
              a: {run: touch ran}
            """)
        try expectBothAccept(scratch)
        #expect(scratch.read("events.jsonl")?.contains("post_execute") == true)
    }

    /// A plugin's file setting naming a folder is refused by both, naming
    /// the key: `run` once failed with Foundation's raw error, or went on
    /// with exit 0 and lost the timing table.
    @Test(arguments: [("event-recorder", "file"), ("timing", "json"), ("timing", "output"), ("logging", "file")])
    func aFileSettingThatNamesAFolderIsRefused(plugin: String, key: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/folder", withIntermediateDirectories: false)
        try scratch.write("p.yml", "plugins:\n  \(plugin):\n    \(key): folder\nnodes:\n  a: {run: touch ran}\n")
        try expectBothRefuse(
            scratch,
            mentioning: "p.yml:3:\(key.count + 7): plugins.\(plugin).\(key): plugin '\(plugin)': setting '\(key)'"
                + " is 'folder', expected a file, not a folder")
    }

    @Test func aNodeNameMustFitALogFileName() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let tooLong = String(repeating: "n", count: 245)
        try scratch.write("p.yml", "nodes:\n  \(tooLong): {run: touch ran}\n")
        try expectBothRefuse(
            scratch,
            mentioning: "p.yml:2:3: nodes.\(tooLong.prefix(40))...: the node name has 245 characters, at most 244")

        for name in [#""a/b""#, #""a\0b""#] {
            try scratch.write("p.yml", "nodes:\n  \(name): {run: touch ran}\n")
            try expectBothRefuse(scratch, mentioning: "p.yml:2:3: nodes.")
            #expect(try dagron(["validate", "p.yml"], in: scratch.path).stderr.contains("invalid node name"))
        }

        let longest = String(repeating: "n", count: 244)
        try scratch.write("p.yml", "nodes:\n  \(longest): {run: echo hello}\n")
        try expectBothAccept(scratch)
        #expect(scratch.read("run/logs/\(longest).stdout.log") == "hello\n")
    }

    @Test func aPipelineNameMustFitARunDirectoryName() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "name: \(String(repeating: "x", count: 201))\nnodes:\n  a: {run: touch ran}\n")
        try expectBothRefuse(scratch, mentioning: "p.yml:1:7: name: the name has 201 characters, at most 200")

        // The default run directory is named after the pipeline.
        try scratch.write("p.yml", "name: \(String(repeating: "é", count: 200))\nnodes:\n  a: {run: touch ran}\n")
        try expectBothAccept(scratch, runDirectory: [])
        #expect(scratch.read("ran") != nil)
    }

    @Test func aNULCharacterCannotReachAProcess() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let cases: [(yaml: String, mention: String)] = [
            (
                "env:\n  X: \"a\\0b\"\nnodes:\n  a: {run: touch ran}\n",
                "p.yml:2:6: env.X: an environment value cannot contain a NUL character"
            ),
            (
                "nodes:\n  a:\n    run: touch ran\n    env: {X: \"a\\0b\"}\n",
                "p.yml:4:14: nodes.a.env.X: an environment value cannot contain a NUL character"
            ),
            ("nodes:\n  a:\n    run: touch ran\n    env: {\"X\\0Y\": b}\n", "p.yml:4:11: nodes.a.env.X"),
            (
                "nodes:\n  a: {run: \"touch ran\\0x\"}\n",
                "p.yml:2:12: nodes.a.run: a command cannot contain a NUL character"
            ),
            (
                "nodes:\n  a: {run: touch ran, cwd: \"sub\\0\"}\n",
                "p.yml:2:28: nodes.a.cwd: a working directory cannot contain a NUL character"
            ),
            (
                "plugins:\n  event-recorder:\n    file: \"e\\0.jsonl\"\nnodes:\n  a: {run: touch ran}\n",
                "p.yml:3:11: plugins.event-recorder.file: the value contains a NUL character"
            ),
        ]
        for (yaml, mention) in cases {
            try scratch.write("p.yml", yaml)
            try expectBothRefuse(scratch, mentioning: mention)
        }
    }

    @Test func cwdMustBeAnExistingDirectory() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a:\n    run: touch ran\n    cwd: missing\n")
        try expectBothRefuse(
            scratch, mentioning: "p.yml:4:10: nodes.a.cwd: directory '\(scratch.path)/missing' does not exist")

        try scratch.write("file", "")
        try scratch.write("p.yml", "nodes:\n  a:\n    run: touch ran\n    cwd: file\n")
        try expectBothRefuse(scratch, mentioning: "p.yml:4:10: nodes.a.cwd: '\(scratch.path)/file' is not a directory")

        try FileManager.default.createDirectory(atPath: scratch.path + "/sub", withIntermediateDirectories: true)
        try scratch.write("p.yml", "nodes:\n  a:\n    run: touch ran\n    cwd: sub\n")
        try expectBothAccept(scratch)
        #expect(scratch.read("sub/ran") != nil, "the node ran in its cwd")
    }

    @Test(
        "a plugin's file in a missing folder is caught by validate, not only when run starts the plugin",
        arguments: [
            ("timing", "output"), ("timing", "json"), ("logging", "file"), ("event-recorder", "file"),
            ("prometheus-text", "textfile"),
        ])
    func aPluginFileSettingIntoAMissingFolder(plugin: String, key: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let listen = plugin == "prometheus-text" ? "\n    listen: 'off'" : ""
        try scratch.write(
            "p.yml",
            """
            plugins:
              \(plugin):
                \(key): no-such-folder/out.txt\(listen)
            nodes:
              a: {run: touch ran}
            """)
        try expectBothRefuse(
            scratch,
            mentioning: "p.yml:3:\(key.count + 7): plugins.\(plugin).\(key): plugin '\(plugin)': setting '\(key)'")
    }
}
