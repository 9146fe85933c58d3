import Foundation
import TestSupport
import Testing

/// What a person sees on a terminal: scripts/demo.sh in a real terminal
/// (tmux) shows no line glued onto the live status line and the logging
/// plugin's lines; the status line fits the window; colour follows
/// `--color` and `NO_COLOR`; symbols fall back to ASCII off a UTF-8 locale.
/// The built `dagron`, its output bytes.
@Suite(.serialized) struct TerminalOutputTests {
    private static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    private static let examples = repository + "/examples"

    /// scripts/demo.sh as written, from the line after its build on (the
    /// built `dagron` is its `$bin`; `exec` dropped so the script can report
    /// the exit status): the bundled plugins, then the ETL example with the
    /// timing and logging plugins. The README's own commands are run by
    /// ``ReadmeWalkThroughTests``.
    @Test func theDemoShowsNoGluedLinesTheTimingSummaryAndTheLogLines() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let demo = try String(contentsOfFile: Self.repository + "/scripts/demo.sh", encoding: .utf8)
            .components(separatedBy: "\n")
        let build = try #require(
            demo.firstIndex(of: "bin=$(swift build --show-bin-path)"), "demo.sh no longer sets bin after its build")
        let steps = demo[(build + 1)...].map { $0.hasPrefix("exec ") ? String($0.dropFirst("exec ".count)) : $0 }
        #expect(steps.contains { $0.contains("run examples/etl.yml --plugin timing --plugin logging") }, "\(steps)")
        try FileManager.default.createDirectory(atPath: scratch.path + "/examples", withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: Self.examples + "/etl.yml", toPath: scratch.path + "/examples/etl.yml")
        let terminal = try TmuxTerminal.start(
            (["cd " + PaneText.shellQuoted(scratch.path), "bin=" + PaneText.shellQuoted(DagronBinary.directory)]
                + steps + ["echo \"demo exited $?\""]).joined(separator: "\n"),
            in: scratch, environment: ["LANG": "C.UTF-8", "LC_ALL": "", "LC_CTYPE": ""])
        defer { terminal.stop() }
        #expect(terminal.waitFor("demo exited"), "\((try? terminal.capture()) ?? "")")
        let capture = try terminal.capture()

        #expect(capture.contains("demo exited 0"), "\(capture)")
        #expect(PaneText.gluedLines(capture).isEmpty, "glued onto the status line: \(PaneText.gluedLines(capture))")
        #expect(PaneText.lines(capture, matching: #"^timing +\S+ +loaded "#).count == 1, "\(capture)")
        // Each plugin's line starts a line of its own.
        #expect(PaneText.lines(capture, matching: #"^timing: 6 nodes, node time "#).count == 1, "\(capture)")
        #expect(PaneText.lines(capture, matching: #"^critical path "#).count == 1, "\(capture)")
        // The logging plugin's own level (info) governs: its lines are shown, one per event.
        let nodeLogLines = PaneText.lines(
            capture, matching: #"^\d{4}-\d\d-\d\dT\S+ info dagron\.logging: .*node=\S+ .*node completed$"#)
        #expect(nodeLogLines.count == 6, "one 'node completed' log line per node: \(nodeLogLines)\n\(capture)")
        #expect(PaneText.lines(capture, matching: #"^✓  report  "#).count == 1, "\(capture)")
    }

    @Test func isolatedPluginsPrintAndLogThroughTheParentsConsole() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let terminal = try TmuxTerminal.start(
            """
            cd \(PaneText.shellQuoted(scratch.path))
            \(PaneText.shellQuoted(DagronBinary.path)) run \(PaneText.shellQuoted(Self.examples + "/etl.yml")) --plugin timing --plugin logging --isolate-all --run-dir etl
            echo "etl exited $?"
            """, in: scratch)
        defer { terminal.stop() }
        #expect(terminal.waitFor("etl exited"), "\((try? terminal.capture()) ?? "")")
        let capture = try terminal.capture()
        #expect(capture.contains("etl exited 0"), "\(capture)")
        #expect(
            capture.contains("plugins: timing (isolated), logging (isolated)")
                || capture.contains("plugins: logging (isolated), timing (isolated)"),
            "\(capture)")
        #expect(
            PaneText.gluedLines(capture).isEmpty,
            "glued onto the status line: \(PaneText.gluedLines(capture))\n\(capture)")
        #expect(PaneText.lines(capture, matching: #"^timing: 6 nodes, node time "#).count == 1, "\(capture)")
        let nodeLogLines = PaneText.lines(capture, matching: #"^\S+ info dagron\.logging: .*node completed$"#)
        #expect(nodeLogLines.count == 6, "the isolated logging plugin's lines, each once: \(nodeLogLines)\n\(capture)")
    }

    @Test func theStatusLineFitsTheWindowAndFollowsAResize() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let name = "a-node-whose-name-is-far-longer-than-the-narrow-window"
        try scratch.write("long.yml", "nodes:\n  \(name): {run: sleep 60}\n")
        let terminal = try TmuxTerminal.start(
            """
            cd \(PaneText.shellQuoted(scratch.path))
            \(PaneText.shellQuoted(DagronBinary.path)) run long.yml --run-dir run
            """, in: scratch, columns: 50, rows: 20)
        defer { terminal.stop() }
        func statusRow() -> String? {
            (try? terminal.screen())?.last { $0.hasPrefix("[0/1] ") }
        }
        #expect(
            waitUntil(timeout: 60) { statusRow()?.contains("running: a-node") == true },
            "\((try? terminal.capture()) ?? "")")
        let wide = statusRow() ?? ""
        #expect(wide.count == 49, "cut to 49 of 50 columns, one row: '\(wide)'")
        try terminal.resize(columns: 30, rows: 20)
        #expect(waitUntil(timeout: 30) { (statusRow()?.count ?? 0) == 29 }, "after the resize: '\(statusRow() ?? "")'")
        // No row of the screen holds a wrapped remainder of the status line.
        let screen = try terminal.screen()
        #expect(
            !screen.contains { $0.contains("longer-than") && !$0.hasPrefix("[0/1] ") && !$0.contains("running ") },
            "\(screen)")
    }

    @Test func colourFollowsTheColorOptionAndNoColor() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // `b` after `a`: a succeeded node (✓) and a failed one (✗), whatever
        // the timing (fail-fast cancels what runs beside a failure).
        try scratch.write("p.yml", "nodes:\n  a: {run: \"true\"}\n  b: {run: \"exit 3\", after: [a]}\n")
        let escape = "\u{1B}["
        let utf8 = ["LANG": "C.UTF-8", "LC_ALL": "", "LC_CTYPE": ""]
        func run(_ options: [String], _ environment: [String: String] = [:], _ directory: String) throws -> Finished {
            try dagron(
                ["run", "p.yml", "--run-dir", directory] + options, in: scratch.path,
                environment: utf8.merging(environment) { $1 })
        }
        let piped = try run([], [:], "r1")
        #expect(piped.status == 1)
        #expect(!piped.stdout.contains(escape), "auto on a pipe: no colour\n\(piped.stdout)")
        let always = try run(["--color", "always"], [:], "r2")
        #expect(always.stdout.contains(escape + "32m✓"), "\(always.stdout.debugDescription)")
        #expect(always.stdout.contains(escape + "31m✗"), "\(always.stdout.debugDescription)")
        let alwaysDespiteNoColor = try run(["--color", "always"], ["NO_COLOR": "1"], "r3")
        #expect(alwaysDespiteNoColor.stdout.contains(escape), "the command line wins over NO_COLOR")
        let never = try run(["--color", "never"], ["TERM": "xterm-256color"], "r4")
        #expect(!never.stdout.contains(escape))
        let bad = try run(["--color", "sometimes"], [:], "r5")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--color"), "\(bad.stderr)")

        // On a terminal, auto colours, and NO_COLOR stops it.
        let terminal = try TmuxTerminal.start(
            """
            cd \(PaneText.shellQuoted(scratch.path))
            env | grep -E '^(NO_COLOR|TERM)=' | sed 's/^/env: /'
            env -u NO_COLOR \(PaneText.shellQuoted(DagronBinary.path)) run p.yml --run-dir t1
            echo "=== NO_COLOR"
            NO_COLOR=1 \(PaneText.shellQuoted(DagronBinary.path)) run p.yml --run-dir t2
            echo "both done"
            """, in: scratch, environment: utf8)
        defer { terminal.stop() }
        #expect(terminal.waitFor("both done"), "\((try? terminal.capture()) ?? "")")
        let halves = try terminal.capture(escapes: true).components(separatedBy: "=== NO_COLOR")
        try #require(halves.count == 2)
        #expect(halves[0].contains(escape + "32m✓"), "auto on a terminal colours\n\(halves[0].debugDescription)")
        let uncolored = halves[1].components(separatedBy: "\n").filter { $0.contains("  a  ") || $0.contains("  b  ") }
        #expect(uncolored.count == 2, "\(halves[1].debugDescription)")
        #expect(!uncolored.contains { $0.contains(escape) }, "NO_COLOR=1: no colour\n\(uncolored.debugDescription)")
    }

    @Test func symbolsFallBackToASCIIWhenTheLocaleIsNotUTF8() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // `b` after `a`, so `a` succeeds whatever the timing (see above).
        try scratch.write(
            "p.yml", "nodes:\n  a: {run: \"true\"}\n  b: {run: \"echo broken >&2; exit 3\", after: [a]}\n")
        let cases: [([String: String], Bool)] = [
            (["LANG": "C.UTF-8", "LC_ALL": "", "LC_CTYPE": ""], true),
            (["LANG": "en_US.utf8", "LC_ALL": "", "LC_CTYPE": ""], true),
            (["LANG": "C", "LC_ALL": "", "LC_CTYPE": ""], false),
            (["LANG": "", "LC_ALL": "", "LC_CTYPE": ""], false),
            (["LANG": "C.UTF-8", "LC_ALL": "POSIX", "LC_CTYPE": ""], false),
            (["LANG": "C", "LC_ALL": "", "LC_CTYPE": "en_GB.ISO-8859-1"], false),
            (["LANG": "C", "LC_ALL": "", "LC_CTYPE": "en_GB.UTF-8"], true),
        ]
        for (index, (environment, unicode)) in cases.enumerated() {
            let finished = try dagron(
                ["run", "p.yml", "--run-dir", "r\(index)"], in: scratch.path, environment: environment)
            #expect(finished.status == 1)
            if unicode {
                #expect(
                    finished.stdout.contains("✓  a  ") && finished.stdout.contains("✗  b  "),
                    "\(environment)\n\(finished.stdout)")
                #expect(finished.stdout.contains("     │ broken"), "\(finished.stdout)")
            } else {
                #expect(
                    finished.stdout.contains("ok  a  ") && finished.stdout.contains("FAIL  b  "),
                    "\(environment)\n\(finished.stdout)")
                #expect(finished.stdout.contains("     | broken"), "\(finished.stdout)")
                #expect(
                    finished.stdout.utf8.allSatisfy { $0 < 0x80 },
                    "only ASCII bytes off UTF-8 (\(environment))\n\(finished.stdout)")
            }
        }
    }

    @Test func theLoggingPluginsLevelGovernsItsOutputWhateverTheHostsLevel() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: \"true\"}\n  b: {run: \"true\", after: a}\n")
        func completedLines(_ finished: Finished) -> Int {
            finished.stderr.components(separatedBy: "\n").filter {
                $0.contains(" info dagron.logging:") && $0.hasSuffix("node completed")
            }.count
        }
        // Unhappy path first: a level above info hides the info lines, even when the host's level is lower.
        let quiet = try dagron(
            ["run", "p.yml", "--plugin", "logging", "--set", "logging.level=warning", "--run-dir", "r1"],
            in: scratch.path, environment: ["DAGRON_LOG_LEVEL": "trace"])
        #expect(quiet.status == 0, "\(quiet)")
        #expect(completedLines(quiet) == 0, "\(quiet.stderr)")
        // The default level (info) is shown under the host's default (warning) ...
        let plain = try dagron(["run", "p.yml", "--plugin", "logging", "--run-dir", "r2"], in: scratch.path)
        #expect(completedLines(plain) == 2, "\(plain.stderr)")
        // ... and under a stricter host level.
        let strictHost = try dagron(
            ["run", "p.yml", "--plugin", "logging", "--run-dir", "r3"], in: scratch.path,
            environment: ["DAGRON_LOG_LEVEL": "error"])
        #expect(completedLines(strictHost) == 2, "\(strictHost.stderr)")
        // Isolated, the records come back to the parent and are filtered the same way, each once.
        let isolated = try dagron(
            ["run", "p.yml", "--plugin", "logging", "--isolate", "logging", "--run-dir", "r4"], in: scratch.path)
        #expect(isolated.status == 0, "\(isolated)")
        #expect(completedLines(isolated) == 2, "\(isolated.stderr)")
        let isolatedQuiet = try dagron(
            [
                "run", "p.yml", "--plugin", "logging", "--isolate", "logging", "--set", "logging.level=error",
                "--run-dir", "r5",
            ],
            in: scratch.path)
        #expect(completedLines(isolatedQuiet) == 0, "\(isolatedQuiet.stderr)")
    }

    @Test func anIsolatedPluginsConsoleTextReachesTheParentsStreams() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: \"true\"}\n")
        let toError = try dagron(
            ["run", "p.yml", "--plugin", "timing", "--isolate", "timing", "--run-dir", "r1"], in: scratch.path)
        #expect(toError.status == 0, "\(toError)")
        #expect(toError.stderr.contains("timing: 1 nodes") || toError.stderr.contains("timing: 1 node"), "\(toError)")
        #expect(!toError.stdout.contains("timing: 1 node"))
        let toOutput = try dagron(
            [
                "run", "p.yml", "--plugin", "timing", "--isolate", "timing", "--set", "timing.output=stdout",
                "--run-dir", "r2",
            ],
            in: scratch.path)
        #expect(toOutput.stdout.contains("timing: 1 node"), "\(toOutput)")
        // With --json, standard output is the document alone: console output goes to standard error.
        let json = try dagron(
            [
                "run", "p.yml", "--plugin", "timing", "--isolate", "timing", "--set", "timing.output=stdout", "--json",
                "--run-dir", "r3",
            ],
            in: scratch.path)
        #expect(json.status == 0, "\(json)")
        #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) != nil, "\(json.stdout)")
        #expect(json.stderr.contains("timing: 1 node"), "\(json)")
    }
}
