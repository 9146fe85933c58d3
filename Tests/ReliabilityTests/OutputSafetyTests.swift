import Dagron
import Foundation
import TestSupport
import Testing

/// What reaches the user's terminal and standard output: with `--json`
/// standard output carries the JSON document alone, and text from nodes
/// and files cannot send control sequences to the terminal.
@Suite(.serialized) struct OutputSafetyTests {
    private let escape = "\u{1B}"

    /// Whether `text` holds a control character other than newline and tab (C0, DEL, C1).
    private func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || scalar.value == 0x7F
                || (0x80..<0xA0).contains(scalar.value)
        }
    }

    @Test func withJSONOnlyTheDocumentReachesStandardOutputWhateverPluginsPrint() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: echo from-a}\n  b: {after: a, run: echo from-b}\n")
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run", "--json"] + MisbehavingPlugin.arguments(["print": "true"]),
            in: scratch.path)
        #expect(finished.status == 0, "\(finished.stderr)")
        let report = try JSONDecoder().decode(RunReport.self, from: Data(finished.stdout.utf8))
        #expect(report.outcome == .succeeded)
        // The document names the plugin (its `plugins` section); what the plugin printed is not there.
        #expect(!finished.stdout.contains("misbehave-"), "plugin output reached standard output: \(finished.stdout)")
        #expect(report.plugins?.map(\.name) == [MisbehavingPlugin.name])
        for line in [
            "misbehave-print: initialize", "misbehave-fputs: post_node a", "misbehave-write: pre_node b",
            "misbehave-print: teardown",
        ] {
            #expect(finished.stderr.contains(line), "\(line) is missing from standard error")
        }
        #expect(finished.stderr.contains("succeeded in"), "the summary goes to standard error")
    }

    /// `dagron run ... 2>&1 | head -1` once `head` has gone: every write to
    /// standard error fails with EPIPE. The text is lost, nothing else is:
    /// no crash, the run's exit code, `result.json`, the JSON document, and
    /// a plugin that printed (in-process or isolated) is not blamed for it.
    @Test(arguments: [false, true])
    func aClosedStandardErrorLosesTheTextButNotTheRun(isolated: Bool) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: echo from-a}\n  b: {after: a, run: 'echo oops >&2; exit 3'}\n")
        let arguments =
            try ["run", "p.yml", "--run-dir", "run", "--json"] + MisbehavingPlugin.arguments(["print": "true"])
            + (isolated ? ["--isolate-all"] : [])
        let finished = try DagronProcess(arguments, in: scratch.path, closedStandardError: true).wait()
        #expect(finished.signal == nil, "dagron died of signal \(finished.signal ?? 0)")
        #expect(finished.status == 1)
        let printed = try JSONDecoder().decode(RunReport.self, from: Data(finished.stdout.utf8))
        let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/run/result.json")
        for document in [printed, report] {
            #expect(document.outcome == .failed)
            #expect(document.plugins?.map(\.state) == [.ok], "\(String(describing: document.plugins))")
        }
    }

    /// The isolated plugin host's own diagnostics (before any plugin is
    /// loaded) to a standard error whose reader is gone: the message is
    /// lost, the process still ends with its status instead of trapping.
    @Test func theIsolatedHostsDiagnosticToAClosedStandardErrorIsNotACrash() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // Run by hand, descriptor 5 is not the progress page a parent would pass.
        let arguments = ["plugins", "host-child", "--file", "/nonexistent.so", "--symbol", "create", "--name", "x"]
        let open = try DagronProcess(arguments, in: scratch.path).wait()
        #expect(open.status == 70 && open.signal == nil, "\(open.stderr)")
        #expect(open.stderr.contains("is not the progress page"), "\(open.stderr)")
        let closed = try DagronProcess(arguments, in: scratch.path, closedStandardError: true).wait()
        #expect(closed.signal == nil, "dagron died of signal \(closed.signal ?? 0)")
        #expect(closed.status == 70)
    }

    @Test func withJSONTheDashboardURLGoesToStandardError() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: echo a}\n")
        let finished = try dagron(
            [
                "run", "p.yml", "--run-dir", "run", "--json", "--plugin-path", DagronBinary.directory,
                "--plugin", "dashboard", "--set", "dashboard.port=0",
            ], in: scratch.path)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(try JSONDecoder().decode(RunReport.self, from: Data(finished.stdout.utf8)).outcome == .succeeded)
        #expect(finished.stderr.contains("Dashboard: http://127.0.0.1:"), "\(finished.stderr)")
    }

    @Test(arguments: [false, true])
    func aNodesStandardErrorCannotDriveTheTerminal(json: Bool) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // Retitle the window, clear the screen, return to the line start, CSI as a C1 character, DEL.
        try scratch.write(
            "p.yml",
            #"""
            nodes:
              hostile:
                run: |
                  printf '\033]0;pwned\007\033[2Jcleared\rover\302\233\061m\177end\n' >&2
                  exit 1
            """#)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"] + (json ? ["--json"] : []), in: scratch.path)
        #expect(finished.status == 1)
        let console = json ? finished.stderr : finished.stdout
        #expect(console.contains(#"\x1b]0;pwned\x07\x1b[2Jcleared\x0dover\u{9b}1m\x7fend"#), "\(console)")
        #expect(!hasControlCharacters(console))
        #expect(!hasControlCharacters(finished.stderr))
        // The JSON keeps the bytes as they were (escaped by JSON itself).
        let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/run/result.json")
        #expect(report.nodes.first?.stderrTail?.contains("\(escape)[2Jcleared\r") == true)
    }

    @Test func namesAndKeysFromThePipelineFileAreEscaped() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            #"""
            name: "evil\e[31mname"
            nodes:
              a: {run: echo a}
            """#)
        let run = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(#"evil\x1b[31mname succeeded"#), "\(run.stdout)")
        #expect(!hasControlCharacters(run.stdout) && !hasControlCharacters(run.stderr))

        try scratch.write(
            "bad.yml",
            #"""
            nodes:
              a: {run: echo a, "ti\e]0;x\u0007meout": 3}
            """#)
        let bad = try dagron(["run", "bad.yml", "--run-dir", "run2"], in: scratch.path)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains(#"ti\x1b]0;x\x07meout"#), "\(bad.stderr)")
        #expect(!hasControlCharacters(bad.stderr))
    }
}
