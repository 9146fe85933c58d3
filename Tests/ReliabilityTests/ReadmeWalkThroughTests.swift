import Foundation
import TestSupport
import Testing

/// A newcomer's first hour, in a real terminal (tmux): the README's
/// quick-start commands, read from README.md and run as written, show no
/// line glued onto the live status line and what the README says they
/// show; and every message issue 18 asked for reads as stated there.
///
/// The built debug `dagron` stands in for `scripts/install.sh`'s: it is
/// first on `PATH` (InstallTests runs install.sh itself, a release build too
/// slow to repeat here), and the README's `.build/debug` is that build.
/// `HOME` and the XDG folders are empty ones of the test's own.
@Suite(.serialized) struct ReadmeWalkThroughTests {
    private static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The README's steps the test does not run as written, and why: the
    /// build is the one the tests run, and the debug build's folder is first
    /// on `PATH` instead of an installed release build.
    private static let replacedSteps = ["swift build", "scripts/install.sh ", "export PATH="]

    /// A user's environment with nothing in it yet: an empty home and XDG
    /// folders, the built `dagron` first on `PATH`, a UTF-8 locale.
    private static func newcomersEnvironment(in scratch: Scratch) throws -> [String: String] {
        let home = scratch.path + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return [
            "HOME": home, "XDG_CONFIG_HOME": home + "/.config", "XDG_CACHE_HOME": home + "/.cache",
            "XDG_DATA_HOME": home + "/.local/share", "XDG_STATE_HOME": home + "/.local/state",
            "PATH": DagronBinary.directory + ":" + path, "LANG": "C.UTF-8", "LC_ALL": "", "LC_CTYPE": "",
        ]
    }

    /// A script running `commands` one after the other in `directory`, each
    /// followed by its ``PaneText/endMarker(_:)``, then printing `done`.
    private static func script(_ commands: [String], in directory: String, done: String) -> String {
        (["cd " + PaneText.shellQuoted(directory)]
            + commands.enumerated().flatMap { [$0.element, PaneText.endMarker($0.offset)] } + ["echo \(done)"])
            .joined(separator: "\n")
    }

    @Test func theReadmesQuickStartAsWrittenShowsNoGluedLinesAndWhatTheReadmeSays() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let readme = Self.repository + "/README.md"
        let written =
            try MarkedShellBlock(file: readme, name: "try it").lines
            + MarkedShellBlock(file: readme, name: "installed").lines
        let commands = written.filter { line in !Self.replacedSteps.contains { line.hasPrefix($0) } }
        #expect(written.count - commands.count == Self.replacedSteps.count, "every replaced step is in the README")
        // A checkout as the README's commands see it: the examples, and `.build/debug` as built.
        let clone = scratch.path + "/dagron"
        try FileManager.default.createDirectory(atPath: clone + "/.build", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: clone + "/.build/debug", withDestinationPath: BuildFolder.path)
        try FileManager.default.createDirectory(atPath: clone + "/examples", withIntermediateDirectories: false)
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.repository + "/examples")
        where file.hasSuffix(".yml") {
            try FileManager.default.copyItem(
                atPath: Self.repository + "/examples/" + file, toPath: clone + "/examples/" + file)
        }

        func commandIndex(_ text: String) throws -> Int {
            try #require(commands.firstIndex { $0.contains(text) }, "no README command with '\(text)': \(commands)")
        }
        let pluginsList = try commandIndex("dagron plugins list")
        let etlRuns = commands.indices.filter { commands[$0].contains("dagron run examples/etl.yml --plugin timing") }
        let failing = try commandIndex("dagron run examples/failing.yml")
        let dashboard = try commandIndex("dagron run examples/dashboard-release.yml")
        #expect(etlRuns.count == 2, "the ETL example built and installed: \(commands)")

        // The dashboard example asks for port 8765 and a browser: a test takes any free port and opens none.
        let environment = try Self.newcomersEnvironment(in: scratch).merging([
            "DAGRON_PLUGIN_DASHBOARD_PORT": "0", "DAGRON_PLUGIN_DASHBOARD_OPEN_BROWSER": "false",
        ]) { $1 }
        let terminal = try TmuxTerminal.start(
            Self.script(commands, in: clone, done: "walk-through done"), in: scratch, environment: environment)
        defer { terminal.stop() }

        // The gate waits with its question on the terminal, the status line below it; it is approved from outside.
        let question = "approve-release: Ship model v42 and publish the report? approve with: dagron gate approve "
        #expect(terminal.waitFor(question, timeout: 300), "\((try? terminal.capture()) ?? "")")
        func bottomRow() -> String {
            ((try? terminal.screen()) ?? []).last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
        }
        #expect(
            waitUntil(timeout: 60) {
                bottomRow().range(of: #"^\[\d+/15\] .*approve-release"#, options: .regularExpression) != nil
            },
            "the status line while the gate waits: '\(bottomRow())'")
        let approved = try dagron(["gate", "approve", ".dagron/runs/latest", "approve-release"], in: clone)
        #expect(approved.status == 0, "\(approved)")
        #expect(terminal.waitFor("walk-through done", timeout: 300), "\((try? terminal.capture()) ?? "")")
        let capture = try terminal.capture()
        let outputs = PaneText.outputs(capture)

        #expect(PaneText.gluedLines(capture).isEmpty, "glued onto the status line: \(PaneText.gluedLines(capture))")
        // Every command exits as the README says: 0, or the "exit code N" its comment gives.
        for (index, command) in commands.enumerated() {
            let stated = command.range(of: #"# exit code \d+"#, options: .regularExpression).flatMap {
                Int(command[$0].dropFirst("# exit code ".count))
            }
            #expect(outputs[index]?.status == stated ?? 0, "`\(command)`:\n\(outputs[index]?.text ?? capture)")
        }
        let listed = outputs[pluginsList]?.text ?? ""
        for plugin in ["dashboard", "logging", "timing"] {
            #expect(
                PaneText.lines(listed, matching: "^\(plugin) +\\S+ +loaded ").count == 1,
                "the bundled \(plugin)\n\(listed)"
            )
        }
        for etl in etlRuns {
            let text = outputs[etl]?.text ?? ""
            #expect(PaneText.lines(text, matching: #"^✓  report  "#).count == 1, "\(text)")
            #expect(PaneText.lines(text, matching: #"^timing: 6 nodes, node time "#).count == 1, "\(text)")
            #expect(PaneText.lines(text, matching: #"^critical path "#).count == 1, "\(text)")
            #expect(PaneText.lines(text, matching: #"^logs: \.dagron/runs/etl-\S+/logs$"#).count == 1, "\(text)")
        }
        let failed = outputs[failing]?.lines ?? []
        for start in [
            "✗  validate  failed: command exited with status 3  ",
            "     │ record 2: missing field 'email'",
            "-  publish  skipped: upstream 'validate' did not complete (failed)",
            "failing FAILED in ",
            "logs: .dagron/runs/failing-",
        ] {
            #expect(failed.filter { $0.hasPrefix(start) }.count == 1, "a line starting '\(start)' in:\n\(failed)")
        }
        let released = outputs[dashboard]?.text ?? ""
        let urls = PaneText.lines(released, matching: #"^Dashboard: http://127\.0\.0\.1:\d+/\?token=[0-9a-f]+$"#)
        #expect(urls.count == 1, "\(released)")
        #expect(!released.contains("127.0.0.1:8765/"), "the environment's port 0 overrides the file's 8765")
        #expect(
            PaneText.lines(released, matching: "^⏸  " + NSRegularExpression.escapedPattern(for: question)).count == 1)
        #expect(PaneText.lines(released, matching: "approve-release: gate approved$").count == 1, "\(released)")
        #expect(PaneText.lines(released, matching: #"^release-with-dashboard succeeded in "#).count == 1, "\(released)")
    }

    @Test func everyMessageOfTheFirstHourReadsAsStatedInATerminal() throws {
        try DagronBinary.require()
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("one.yml", "nodes:\n  a: {run: \"true\"}\n")
        try scratch.write("tabs.yml", "nodes:\n\tbuild:\n\t\trun: make\n")
        for directory in ["pipelines", "plugins"] {
            try FileManager.default.createDirectory(
                atPath: scratch.path + "/" + directory, withIntermediateDirectories: false)
        }
        let taken = try LoopbackListener()
        let commands = [
            "dagron run one.yml --plugin no-such-plugin",
            "dagron plugins check plugins",
            "dagron run pipelines",
            "dagron validate one.yml",
            "dagron validate tabs.yml",
            "dagron plugins info timing",
            "dagron plugins info no-such-plugin",
            "dagron run one.yml --plugin dashboard --set dashboard.port=\(taken.port) --set dashboard.open_browser=false",
        ]
        let terminal = try TmuxTerminal.start(
            Self.script(commands, in: scratch.path, done: "messages done"), in: scratch,
            environment: try Self.newcomersEnvironment(in: scratch))
        defer { terminal.stop() }
        #expect(terminal.waitFor("messages done", timeout: 300), "\((try? terminal.capture()) ?? "")")
        let capture = try terminal.capture()
        let outputs = PaneText.outputs(capture)
        func output(_ index: Int) throws -> PaneText.CommandOutput {
            try #require(outputs[index], "no end marker for `\(commands[index])`:\n\(capture)")
        }

        // A plugin that cannot be set up: one error naming it once, then what happened to the run.
        let setUp = try output(0)
        #expect(setUp.status == 2)
        #expect(setUp.lines.count == 2, "\(setUp.text)")
        #expect(
            setUp.lines.first?.hasPrefix("dagron: error: no plugin named 'no-such-plugin'") == true, "\(setUp.text)")
        #expect(setUp.text.components(separatedBy: "no-such-plugin").count == 2, "named once: \(setUp.text)")
        #expect(setUp.text.components(separatedBy: "error:").count == 2, "labelled an error once: \(setUp.text)")
        #expect(
            setUp.lines.last
                == "dagron: no node was started (use --keep-going-without-plugins to run without that plugin, or --no-plugins)",
            "\(setUp.text)")
        #expect(!setUp.text.contains("warning"), "\(setUp.text)")
        // `plugins check DIR`: a directory, not a permissions problem.
        let check = try output(1)
        #expect(check.status != 0)
        #expect(check.text.contains("is a directory"), "\(check.text)")
        #expect(!check.text.contains("permissions"), "\(check.text)")
        // `run DIR`.
        let runDirectory = try output(2)
        #expect(runDirectory.status == 2)
        #expect(runDirectory.lines == ["dagron: error: pipelines: is a directory, not a pipeline file"])
        // `validate` of a one-node file: "1 node".
        let validated = try output(3)
        #expect(validated.status == 0)
        #expect(validated.lines == ["one.yml: ok: 1 node (0 gates), 0 dependencies"])
        // A tab in the indentation.
        let tabs = try output(4)
        #expect(tabs.status == 2)
        #expect(tabs.text.contains("tabs.yml:2:1: not valid YAML"), "\(tabs.text)")
        #expect(
            tabs.text.contains("the line is indented with a tab: YAML allows only spaces for indentation"),
            "\(tabs.text)")
        // `plugins info NAME`: each callback's priority.
        let info = try output(5)
        #expect(info.status == 0)
        #expect(
            info.lines.contains(
                "hooks:    on_error (priority 0), post_execute (priority 0), post_node (priority 0), pre_execute (priority 0)"
            ),
            "\(info.text)")
        // A lookup error (a ValidationError thrown from `run()`): one `dagron: error:` line, no usage block.
        let lookup = try output(6)
        #expect(lookup.status == 2)
        #expect(lookup.lines.count == 1, "\(lookup.text)")
        #expect(lookup.lines.first?.hasPrefix("dagron: error: no plugin named 'no-such-plugin'") == true)
        #expect(!lookup.text.contains("Usage:") && !lookup.text.contains("Error:"), "\(lookup.text)")
        // A dashboard on a port that is taken.
        let portTaken = try output(7)
        #expect(portTaken.status == 2)
        #expect(
            portTaken.text.contains("port \(taken.port) is in use: pass --set dashboard.port=0 for a free port"),
            "\(portTaken.text)")
        for raw in ["bind(descriptor", "errno", "Address already in use"] {
            #expect(!portTaken.text.contains(raw), "raw NIO text '\(raw)' in: \(portTaken.text)")
        }
        #expect(PaneText.gluedLines(capture).isEmpty, "glued onto the status line: \(PaneText.gluedLines(capture))")
    }
}
