import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What `dagron` says when a newcomer gets something wrong: one clear error
/// each, in the `dagron: error:` form, no usage block after a lookup error.
@Suite struct MessageTests {
    @Test("run and validate of a directory say it is a directory")
    func pipelineDirectory() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/pipelines", withIntermediateDirectories: false)
        for command in ["run", "validate"] {
            let finished = try dagron([command, "pipelines"], in: scratch.path)
            #expect(finished.status == 2)
            #expect(
                finished.stderr == "dagron: error: pipelines: is a directory, not a pipeline file\n",
                "\(finished.stderr)")
        }
    }

    /// Not a file dagron can read whole: a FIFO with no writer (which must
    /// not block `validate`), a device that never ends, a file past the
    /// size limit (sparse: no disk used), bytes that are not UTF-8.
    @Test(
        "run and validate of a FIFO, /dev/zero, an oversized or non-UTF-8 file: one clear error, nothing run",
        arguments: ["fifo", "zero", "oversized", "latin1"])
    func unreadablePipelineFile(kind: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let (path, message): (String, String)
        switch kind {
        case "fifo":
            path = "p.yml"
            #expect(mkfifo(scratch.path + "/p.yml", 0o600) == 0)
            message = "p.yml: is not a regular file (a pipe, a FIFO or a device)"
        case "zero":
            path = "/dev/zero"
            message = "/dev/zero: is not a regular file (a pipe, a FIFO or a device)"
        case "oversized":
            path = "p.yml"
            try scratch.write(path, "nodes:\n  a: {run: touch ran}\n")
            #expect(truncate(scratch.path + "/p.yml", 64 << 20 + 1) == 0)
            message = "p.yml: is 67108865 bytes, more than a pipeline file may have (67108864 bytes)"
        default:
            path = "p.yml"
            // "nodes:\n  a: {run: touch ran} # caf\xE9\n": Latin-1, not UTF-8, on line 2.
            let bytes = Array("nodes:\n  a: {run: touch ran} # caf".utf8) + [0xE9, 0x0A]
            try Data(bytes).write(to: URL(fileURLWithPath: scratch.path + "/p.yml"))
            message = "p.yml: is not UTF-8 text (line 2)"
        }
        for command in ["validate", "run"] {
            let finished = try dagron([command, path], in: scratch.path, timeout: 60)
            #expect(finished.status == 2, "\(finished.stderr)")
            #expect(finished.stderr.hasPrefix("dagron: error: " + message), "\(finished.stderr)")
        }
        #expect(scratch.read("ran") == nil)
    }

    @Test("a tab-indented line gets a hint about tabs")
    func yamlTabs() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n\tbuild:\n\t\trun: make\n")
        let finished = try dagron(["validate", "p.yml"], in: scratch.path)
        #expect(finished.status == 2)
        #expect(finished.stderr.contains("p.yml:2:1: not valid YAML"), "\(finished.stderr)")
        #expect(finished.stderr.contains("the line is indented with a tab: YAML allows only spaces for indentation"))
    }

    @Test("plugins check of a directory says it is a directory, not that permissions are wrong")
    func checkDirectory() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/plugins", withIntermediateDirectories: false)
        let finished = try dagron(["plugins", "check", "plugins"], in: scratch.path)
        #expect(finished.status != 0)
        let all = finished.stdout + finished.stderr
        #expect(all.contains("is a directory"), "\(all)")
        #expect(!all.contains("permissions"), "\(all)")
    }

    @Test("a lookup error is one dagron: error: line, no usage block")
    func lookupError() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let finished = try dagron(["plugins", "info", "no-such-plugin"], in: scratch.path)
        #expect(finished.status == 2)
        #expect(finished.stderr.hasPrefix("dagron: error: no plugin named 'no-such-plugin'"), "\(finished.stderr)")
        #expect(!finished.stderr.contains("Usage:"))
        #expect(!finished.stderr.contains("Error:"))
    }

    @Test("a plugin that cannot be set up is one error naming it once, then what happened to the run")
    func pluginSetUpFailure() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: \"true\"}\n")
        let missing = try dagron(["run", "p.yml", "--plugin", "no-such-plugin"], in: scratch.path)
        #expect(missing.status == 2)
        let lines = missing.stderr.split(separator: "\n")
        #expect(lines.count == 2, "\(missing.stderr)")
        #expect(lines.first?.hasPrefix("dagron: error: no plugin named 'no-such-plugin'") == true, "\(missing.stderr)")
        #expect(missing.stderr.components(separatedBy: "no-such-plugin").count == 2, "named once: \(missing.stderr)")
        #expect(
            lines.last
                == "dagron: no node was started (use --keep-going-without-plugins to run without that plugin, or --no-plugins)"
        )
        #expect(!missing.stderr.contains("warning"))

        let badSetting = try dagron(
            ["run", "p.yml", "--plugin", "timing", "--set", "timing.top=-1", "--plugin-path", DagronBinary.directory],
            in: scratch.path)
        #expect(badSetting.status == 2)
        #expect(
            badSetting.stderr.hasPrefix("dagron: error: --set timing.top: plugin 'timing': setting 'top' is '-1'"),
            "\(badSetting.stderr)")
        #expect(
            badSetting.stderr.components(separatedBy: "dagron: error:").count == 2, "one error: \(badSetting.stderr)")

        let keepGoing = try dagron(
            ["run", "p.yml", "--plugin", "no-such-plugin", "--keep-going-without-plugins"], in: scratch.path)
        #expect(keepGoing.status == 0, "\(keepGoing.stderr)")
        #expect(keepGoing.stderr.contains("dagron: warning: no plugin named 'no-such-plugin'"))
        #expect(!keepGoing.stderr.contains("dagron: error:"))
    }

    @Test("validate counts in words that agree with the number")
    func validateCounts() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("one.yml", "nodes:\n  a: {run: \"true\"}\n")
        let finished = try dagron(["validate", "one.yml"], in: scratch.path)
        #expect(finished.stdout == "one.yml: ok: 1 node (0 gates), 0 dependencies\n", "\(finished.stdout)")
    }

    @Test("plugins info shows each callback's priority, in text and JSON")
    func infoShowsPriorities() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let text = try dagron(["plugins", "info", "timing", "--plugin-path", DagronBinary.directory], in: scratch.path)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout.contains(
                "hooks:    on_error (priority 0), post_execute (priority 0), post_node (priority 0), pre_execute (priority 0)"
            ),
            "\(text.stdout)")
        let json = try dagron(
            ["plugins", "info", "timing", "--json", "--plugin-path", DagronBinary.directory], in: scratch.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["priorities"] as? [String: [Int]])?["post_node"] == [0], "\(json.stdout)")
    }
}
