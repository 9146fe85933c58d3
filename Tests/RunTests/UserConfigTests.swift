import Foundation
import TestSupport
import Testing

/// The user configuration file, `$XDG_CONFIG_HOME/dagron/config.yaml`:
/// hostile files first (each an error naming file:line:column and key, exit
/// 2, never a hang or a crash), then its defaults in real runs, their
/// precedence, and `dagron config`.
@Suite struct UserConfigTests {
    /// A scratch directory whose `xdg/dagron/config.yaml` is the user configuration.
    struct Setup {
        let scratch: Scratch
        var configPath: String { scratch.path + "/xdg/dagron/config.yaml" }
        var environment: [String: String] { ["XDG_CONFIG_HOME": scratch.path + "/xdg", "DIR": scratch.path] }

        init(config: String? = nil) throws {
            scratch = try Scratch()
            try FileManager.default.createDirectory(
                atPath: scratch.path + "/xdg/dagron", withIntermediateDirectories: true)
            try scratch.write("p.yml", "nodes:\n  a: {run: \"true\"}\n  b: {run: \"true\"}\n")
            if let config { try scratch.write("xdg/dagron/config.yaml", config) }
        }

        func dagron(_ arguments: [String], extra: [String: String] = [:]) throws -> Finished {
            try TestSupport.dagron(
                arguments, in: scratch.path, environment: environment.merging(extra) { $1 }, timeout: 60)
        }
    }

    /// Every command that reads the configuration refuses `config` with
    /// `message` in standard error and exit code 2.
    private func expectRefused(_ config: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let setup = try Setup(config: config)
        defer { setup.scratch.cleanUp() }
        for arguments in [
            ["run", "p.yml", "--run-dir", "run"], ["validate", "p.yml"], ["config"], ["config", "--json"],
        ] {
            let result = try setup.dagron(arguments)
            #expect(
                result.status == 2, "\(arguments): \(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
            #expect(
                result.stderr.contains("\(setup.configPath)\(message)"), "\(arguments): \(result.stderr)",
                sourceLocation: sourceLocation)
            #expect(result.signal == nil, sourceLocation: sourceLocation)
        }
        #expect(
            setup.scratch.read("run/run.json") == nil, "a run started despite the bad configuration",
            sourceLocation: sourceLocation)
    }

    @Test func aDirectoryInPlaceOfTheFileIsAnError() throws {
        let setup = try Setup()
        defer { setup.scratch.cleanUp() }
        try FileManager.default.createDirectory(atPath: setup.configPath, withIntermediateDirectories: true)
        let run = try setup.dagron(["run", "p.yml", "--run-dir", "run"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("dagron: error: \(setup.configPath): is a directory"), "\(run.stderr)")
        let config = try setup.dagron(["config", "--json"])
        #expect(config.status == 2)
        #expect(config.stdout.isEmpty)
    }

    @Test func aFIFOInPlaceOfTheFileIsAnErrorNotAHang() throws {
        let setup = try Setup()
        defer { setup.scratch.cleanUp() }
        #expect(mkfifo(setup.configPath, 0o644) == 0)
        let run = try setup.dagron(["validate", "p.yml"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(setup.configPath): is not a regular file"), "\(run.stderr)")
    }

    /// A link to a file that is not there is shown, not taken for "no
    /// configuration" (which would silently drop what the user set up).
    @Test func aDanglingSymbolicLinkIsAnError() throws {
        let setup = try Setup()
        defer { setup.scratch.cleanUp() }
        #expect(symlink(setup.scratch.path + "/gone.yaml", setup.configPath) == 0)
        let run = try setup.dagron(["validate", "p.yml"])
        #expect(run.status == 2)
        #expect(
            run.stderr.contains(
                "\(setup.configPath): is a symbolic link to '\(setup.scratch.path)/gone.yaml', which does not exist"),
            "\(run.stderr)")
    }

    @Test func tabsAreAnErrorAtTheirPositionWithAHint() throws {
        try expectRefused("plugins:\n\ttiming:\n", ":2:1: not valid YAML")
        let setup = try Setup(config: "plugins:\n\ttiming:\n")
        defer { setup.scratch.cleanUp() }
        #expect(
            try setup.dagron(["validate", "p.yml"]).stderr.contains(
                "the line is indented with a tab: YAML allows only spaces for indentation"))
    }

    @Test func valuesOfTheWrongTypeNameTheirKey() throws {
        try expectRefused("max_workers: lots\n", ":1:14: max_workers: expected an integer from 1 to 4096, got 'lots'")
        try expectRefused(
            "plugins:\n  timing:\n    json: ~\n",
            ":3:11: plugins.timing.json: expected a value, got nothing (null); quote it ('~') to mean those characters")
        try expectRefused("max_workers: [1, 2]\n", ":1:14: max_workers: expected an integer from 1 to 4096, got a list")
        try expectRefused(
            "plugins: [timing]\n", ":1:10: plugins: expected a mapping of plugin name to its settings, got a list")
        try expectRefused(
            "plugins:\n  timing: {top: {n: 1}}\n", ":2:17: plugins.timing.top: expected a single value, got a mapping")
        try expectRefused(
            "plugins:\n  timing: 5\n", ":2:11: plugins.timing: expected the plugin's settings as a mapping")
        try expectRefused(
            "- just\n- a list\n", ":1:1: expected a mapping with the keys max_workers, plugins, got a list")
        try expectRefused(
            "max_worker: 4\n", ":1:1: max_worker: unknown key 'max_worker' (allowed: max_workers, plugins)")
        try expectRefused("max_workers: 2\nmax_workers: 3\n", ":1:1: duplicate key 'max_workers'")
    }

    @Test func hugeAndOddNumbersAreRangeErrorsNotCrashes() throws {
        for value in ["1e300", "99999999999999999999999", "-1", "0", "4097", ".nan", "2.5"] {
            try expectRefused(
                "max_workers: \(value)\n", ":1:14: max_workers: expected an integer from 1 to 4096, got '\(value)'")
        }
    }

    @Test func aSettingThePluginRefusesIsReportedAtItsPlaceInTheConfigFile() throws {
        let setup = try Setup(config: "plugins:\n  timing: {top: '-5'}\n")
        defer { setup.scratch.cleanUp() }
        let run = try setup.dagron(["run", "p.yml", "--run-dir", "run"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(setup.configPath):2:17: plugins.timing.top"), "\(run.stderr)")
        #expect(setup.scratch.read("run/result.json") == nil)
    }

    @Test func anUnsetVariableInTheConfigFileIsAnErrorNamingIt() throws {
        let setup = try Setup(config: "plugins:\n  event-recorder: {file: '${DAGRON_TEST_UNSET_VARIABLE}/e.jsonl'}\n")
        defer { setup.scratch.cleanUp() }
        let run = try setup.dagron(["validate", "p.yml"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(setup.configPath):2:26: plugins.event-recorder.file"), "\(run.stderr)")
        #expect(run.stderr.contains("DAGRON_TEST_UNSET_VARIABLE"))
    }

    @Test func aMissingOrEmptyFileIsNoConfiguration() throws {
        let missing = try Setup()
        defer { missing.scratch.cleanUp() }
        #expect(try missing.dagron(["run", "p.yml", "--run-dir", "run"]).status == 0)
        let empty = try Setup(config: "# nothing yet\n")
        defer { empty.scratch.cleanUp() }
        #expect(try empty.dagron(["run", "p.yml", "--run-dir", "run"]).status == 0)
    }

    @Test func theConfiguredPluginsLoadInEveryRunWithTheirSettingsUnlessNoPlugins() throws {
        let setup = try Setup(config: "max_workers: 1\nplugins:\n  event-recorder: {file: '${DIR}/events.jsonl'}\n")
        defer { setup.scratch.cleanUp() }
        let run = try setup.dagron(["run", "p.yml", "--run-dir", "run"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("up to 1 at once, plugins: event-recorder"), "\(run.stdout)")
        #expect(setup.scratch.read("events.jsonl")?.contains("post_node") == true)

        try FileManager.default.removeItem(atPath: setup.scratch.path + "/events.jsonl")
        let bare = try setup.dagron(["run", "p.yml", "--run-dir", "run2", "--no-plugins"])
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(setup.scratch.read("events.jsonl") == nil)
    }

    @Test func thePipelineFileBeatsTheConfigAndTheEnvironmentAndCommandLineBeatBoth() throws {
        let setup = try Setup(
            config: """
                max_workers: 1
                plugins:
                  event-recorder: {file: '${DIR}/from-config.jsonl'}
                """)
        defer { setup.scratch.cleanUp() }
        try setup.scratch.write(
            "q.yml",
            """
            max_workers: 3
            plugins:
              event-recorder: {file: '${DIR}/from-pipeline.jsonl'}
            nodes:
              a: {run: "true"}
            """)
        let run = try setup.dagron(["run", "q.yml", "--run-dir", "run"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("up to 3 at once"))
        #expect(setup.scratch.read("from-pipeline.jsonl") != nil)
        #expect(setup.scratch.read("from-config.jsonl") == nil)

        let shown = try setup.dagron(
            ["config", "q.yml", "--json", "--set", "timing.top=7", "--plugin", "timing"],
            extra: ["DAGRON_PLUGIN_EVENT_RECORDER_FILE": "/tmp/from-env.jsonl"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let document = try #require(JSONDocument.object(shown), "\(shown.stdout)")
        let maxWorkers = try #require(document["maxWorkers"] as? [String: Any])
        #expect(maxWorkers["value"] as? Int == 3)
        #expect((maxWorkers["from"] as? [String: Any])?["source"] as? String == "pipeline")
        let settings = try #require(document["settings"] as? [[String: Any]])
        func setting(_ plugin: String, _ key: String) -> [String: Any]? {
            settings.first { $0["plugin"] as? String == plugin && $0["key"] as? String == key }
        }
        #expect(setting("event-recorder", "file")?["value"] as? String == "/tmp/from-env.jsonl")
        #expect((setting("event-recorder", "file")?["from"] as? [String: Any])?["source"] as? String == "environment")
        #expect(setting("timing", "top")?["value"] as? String == "7")
        #expect((setting("timing", "top")?["from"] as? [String: Any])?["source"] as? String == "command_line")
    }

    @Test func configShowsEachValueAndWhereItComesFrom() throws {
        let setup = try Setup(
            config:
                "max_workers: 6\nplugins:\n  timing: {top: 5}\n  slack-webhook: {webhook_url: 'https://hooks.example/secret'}\n"
        )
        defer { setup.scratch.cleanUp() }
        let text = try setup.dagron(["config"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("user config: \(setup.configPath)\n"), "\(text.stdout)")
        func row(_ key: String) -> [Substring]? {
            text.stdout.split(separator: "\n").first { $0.hasPrefix(key + " ") }?.split(separator: " ")
        }
        #expect(row("max_workers") == ["max_workers", "6", "config", "\(setup.configPath):1:14"], "\(text.stdout)")
        #expect(row("timing.top") == ["timing.top", "5", "config", "\(setup.configPath):3:17"], "\(text.stdout)")
        #expect(row("plugin")?.prefix(2) == ["plugin", "timing"], "\(text.stdout)")
        #expect(!text.stdout.contains("hooks.example"), "a secret was shown: \(text.stdout)")

        let json = try setup.dagron(["config", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let document = try #require(JSONDocument.object(json), "\(json.stdout)")
        #expect(
            Set(document.keys) == ["configFile", "configFileExists", "pipeline", "maxWorkers", "plugins", "settings"])
        #expect(document["configFile"] as? String == setup.configPath)
        #expect(document["configFileExists"] as? Bool == true)
        #expect(document["pipeline"] is NSNull)
        let plugins = try #require(document["plugins"] as? [[String: Any]])
        #expect(plugins.map { $0["name"] as? String } == ["timing", "slack-webhook"])
        #expect((plugins.first?["from"] as? [String: Any])?["location"] as? String == "\(setup.configPath):3")

        let none = try Setup()
        defer { none.scratch.cleanUp() }
        let defaults = try #require(JSONDocument.object(try none.dagron(["config", "--json"])))
        #expect(defaults["configFileExists"] as? Bool == false)
        let workers = try #require(defaults["maxWorkers"] as? [String: Any])
        #expect((workers["from"] as? [String: Any])?["source"] as? String == "default")
        #expect((workers["value"] as? Int ?? 0) >= 1)
    }
}
