import Foundation
import TestSupport
import Testing

/// A plugin's settings schema, end to end: `dagron validate` refuses a wrong
/// setting with where it was given, without loading the plugin when the
/// registry cache knows its schema; `plugins info` shows the schema; the
/// schema, not the setting's name, decides what is secret; and the README's
/// settings table is the bundled plugins' schemas.
@Suite("Plugin settings schema")
struct PluginSettingsSchemaTests {
    /// The environment for `dagron` in `scratch`: its own registry cache and the fixture's load log.
    private func environment(_ scratch: Scratch, cache: Bool = true) -> [String: String] {
        [
            "DAGRON_PLUGIN_CACHE": cache ? scratch.path + "/cache/registry.json" : "0",
            "SCHEMAD_LOAD_LOG": scratch.path + "/loads.log",
        ]
    }

    /// Runs `dagron arguments` in `scratch` with the fixture's folder on the plugin path.
    private func run(_ arguments: [String], _ scratch: Scratch, cache: Bool = true) throws -> Finished {
        try dagron(
            arguments + ["--plugin-path", try SchemaPlugin.directory()], in: scratch.path,
            environment: environment(scratch, cache: cache))
    }

    /// Fills the registry cache the way a user does, with `dagron plugins list`, then forgets the load log.
    private func warmCache(_ scratch: Scratch) throws {
        let listed = try run(["plugins", "list"], scratch)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("schemad"))
        #expect(scratch.read("loads.log")?.isEmpty == false, "the probe must have loaded the fixture")
        try FileManager.default.removeItem(atPath: scratch.path + "/loads.log")
    }

    private static let badPipeline = """
        plugins:
          schemad:
            port: 500
            mode: sideways
            colour: red
        nodes:
          a: {run: "true"}
        """

    @Test(
        "validate with a warm cache: every wrong setting with file:line:column and key, exit 2, plugin code never loaded"
    )
    func validateRefusesWithoutLoading() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try warmCache(scratch)
        try scratch.write("bad.yml", Self.badPipeline)
        let finished = try run(["validate", "bad.yml"], scratch)
        #expect(finished.status == 2, "\(finished.stderr)")
        #expect(
            finished.stderr.contains(
                "bad.yml:3:11: plugins.schemad.port: plugin 'schemad': setting 'port' is '500', expected an integer from 1 to 100"
            ),
            "\(finished.stderr)")
        #expect(
            finished.stderr.contains(
                "bad.yml:4:11: plugins.schemad.mode: plugin 'schemad': setting 'mode' is 'sideways', expected one of fast, slow"
            ),
            "\(finished.stderr)")
        #expect(
            finished.stderr.contains(
                "bad.yml:5:13: plugins.schemad.colour: plugin 'schemad': unknown setting 'colour'"),
            "\(finished.stderr)")
        #expect(finished.stdout.isEmpty)
        #expect(scratch.read("loads.log") == nil, "validate loaded the plugin: \(scratch.read("loads.log") ?? "")")

        // The same command with good settings does load it (to run its configure): the log is a real witness.
        try scratch.write("good.yml", "plugins:\n  schemad:\n    port: 99\nnodes:\n  a: {run: \"true\"}\n")
        let good = try run(["validate", "good.yml"], scratch)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(scratch.read("loads.log")?.isEmpty == false)
    }

    @Test("--set and an out-of-range value: named as --set NAME.KEY, exit 2, not loaded")
    func validateNamesTheCommandLine() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try warmCache(scratch)
        try scratch.write("p.yml", "plugins:\n  schemad:\n    mode: slow\nnodes:\n  a: {run: \"true\"}\n")
        let finished = try run(["validate", "p.yml", "--set", "schemad.port=1e10"], scratch)
        #expect(finished.status == 2, "\(finished.stderr)")
        #expect(
            finished.stderr.contains(
                "--set schemad.port: plugin 'schemad': setting 'port' is '1e10', expected an integer from 1 to 100"),
            "\(finished.stderr)")
        #expect(scratch.read("loads.log") == nil)
    }

    @Test("a wrong setting in the user configuration file is named at its place there, not loaded")
    func validateNamesTheUserConfiguration() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try warmCache(scratch)
        try FileManager.default.createDirectory(atPath: scratch.path + "/xdg/dagron", withIntermediateDirectories: true)
        try scratch.write("xdg/dagron/config.yaml", "plugins:\n  schemad:\n    mode: turbo\n")
        try scratch.write("p.yml", "nodes:\n  a: {run: \"true\"}\n")
        var environment = environment(scratch)
        environment["XDG_CONFIG_HOME"] = scratch.path + "/xdg"
        let finished = try dagron(
            ["validate", "p.yml", "--plugin-path", try SchemaPlugin.directory()],
            in: scratch.path, environment: environment)
        #expect(finished.status == 2, "\(finished.stderr)")
        #expect(
            finished.stderr.contains(
                "xdg/dagron/config.yaml:3:11: plugins.schemad.mode: plugin 'schemad': setting 'mode' is 'turbo'"),
            "\(finished.stderr)")
        #expect(scratch.read("loads.log") == nil)
    }

    @Test("without a cache the host checks the schema before configure, in-process and isolated, with the same words")
    func schemaCheckedBeforeConfigureWhenLoaded() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("bad.yml", Self.badPipeline)
        for extra in [[String](), ["--isolate", "schemad"]] {
            let finished = try run(["validate", "bad.yml"] + extra, scratch, cache: false)
            #expect(finished.status == 2, "\(extra): \(finished.stderr)")
            #expect(
                finished.stderr.contains(
                    "bad.yml:5:13: plugins.schemad.colour: plugin 'schemad': unknown setting 'colour'"),
                "\(extra): \(finished.stderr)")
            #expect(
                scratch.read("loads.log")?.isEmpty == false, "without a cache the plugin must be loaded to be checked")
        }
    }

    @Test("a secret setting's value appears nowhere; a setting named like a secret but not declared one is shown")
    func secretsComeFromTheSchema() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try warmCache(scratch)
        try scratch.write(
            "p.yml", "plugins:\n  schemad:\n    pin: hunter2\n    token_count: 7\nnodes:\n  a: {run: \"true\"}\n")
        let refused = try run(["validate", "p.yml"], scratch)
        #expect(refused.status == 2)
        #expect(
            refused.stderr.contains(
                "p.yml:3:10: plugins.schemad.pin: plugin 'schemad': setting 'pin' is '(a secret, not shown)'"),
            "\(refused.stderr)")
        #expect(!refused.stderr.contains("hunter2") && !refused.stdout.contains("hunter2"))

        try scratch.write(
            "q.yml", "plugins:\n  schemad:\n    pin: \"4242\"\n    token_count: 7\nnodes:\n  a: {run: \"true\"}\n")
        let config = try run(["config", "q.yml"], scratch)
        #expect(config.status == 0, "\(config.stderr)")
        #expect(!config.stdout.contains("4242") && !config.stderr.contains("4242"), "\(config.stdout)")
        #expect(config.stdout.contains("<secret, not shown>"), "\(config.stdout)")
        let tokenCount = config.stdout.split(separator: "\n").first { $0.contains("token_count") } ?? ""
        #expect(
            tokenCount.contains(" 7 "), "a setting not declared secret is shown, whatever its name: \(config.stdout)")
        let info = try run(["plugins", "info", "schemad", "--set", "pin=4242"], scratch)
        #expect(!info.stdout.contains("4242") && !info.stderr.contains("4242"))
    }

    @Test("plugins info: a gst-inspect-style settings table, and the schema in --json")
    func infoShowsTheSchema() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let text = try dagron(
            ["plugins", "info", "slack-webhook"], in: scratch.path, environment: environment(scratch))
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex(of: "settings:"), "\(text.stdout)")
        let table = Array(lines[(start + 1)...])
        let webhook = try #require(table.firstIndex { $0.hasPrefix("  webhook_url ") }, "\(text.stdout)")
        #expect(table[webhook].contains(": The Slack incoming-webhook URL"))
        #expect(table[webhook + 1].trimmingCharacters(in: .whitespaces) == "text, required, secret (value never shown)")
        let retries = try #require(table.firstIndex { $0.hasPrefix("  max_retries ") })
        #expect(table[retries + 1].trimmingCharacters(in: .whitespaces) == "integer from 0 to 20. Default: 3")
        let notify = try #require(table.firstIndex { $0.hasPrefix("  notify_on ") })
        #expect(
            table[notify + 1].trimmingCharacters(in: .whitespaces) == "one of failure, always, never. Default: failure")

        let json = try dagron(
            ["plugins", "info", "slack-webhook", "--json"], in: scratch.path, environment: environment(scratch))
        #expect(json.status == 0, "\(json.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let settings = try #require(document["settings"] as? [[String: Any]])
        let url = try #require(settings.first { $0["key"] as? String == "webhook_url" })
        #expect(url["secret"] as? Bool == true && url["required"] as? Bool == true && url["type"] as? String == "text")
        let queue = try #require(settings.first { $0["key"] as? String == "queue_size" })
        #expect(queue["allowed"] as? String == "from 1 to 10000" && queue["default"] as? String == "16")
        #expect(document["secrets"] as? [String] == ["webhook_url"])
    }

    @Test("completion offers NAME.KEY= for the keys of a cached schema")
    func completionOffersSchemaKeys() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try warmCache(scratch)
        let directory = try SchemaPlugin.directory()
        let words = ["dagron", "validate", "--plugin-path", directory, "--set", "schemad."]
        let completed = try dagron(
            ["---completion", "validate", "--", "--set", "\(words.count - 1)", "\(words.last?.count ?? 0)"] + words,
            in: scratch.path, environment: environment(scratch), timeout: 30)
        #expect(completed.status == 0, "\(completed.stderr)")
        for key in ["port", "mode", "pin", "token_count"] {
            #expect(completed.stdout.contains("schemad.\(key)="), "\(completed.stdout)")
        }
        #expect(scratch.read("loads.log") == nil, "completion must not load plugin code")
    }

    @Test("the README's settings table is exactly the bundled plugins' schemas")
    func readmeTableMatchesTheSchemas() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let rows = ReadmeSettingsTable.rows(in: text)
        #expect(!rows.isEmpty, "README.md has no settings table under '### Plugin settings'")
        let plugins = [
            "logging", "timing", "prometheus-text", "slack-webhook", "dashboard", "event-recorder", "slurm",
            "cluster-generic",
        ]
        var expected: [ReadmeSettingsTable.Row] = []
        for plugin in plugins {
            let json = try dagron(
                ["plugins", "info", plugin, "--json"], in: scratch.path, environment: environment(scratch))
            #expect(json.status == 0, "\(plugin): \(json.stderr)")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let settings = try #require(document["settings"] as? [[String: Any]], "\(plugin) declares no schema")
            for setting in settings {
                let type = setting["type"] as? String ?? ""
                let allowed = setting["allowed"] as? String
                expected.append(
                    .init(
                        plugin: plugin, key: setting["key"] as? String ?? "",
                        type: type == "choice" ? allowed ?? "" : allowed.map { "\(type) \($0)" } ?? type,
                        defaultValue: setting["default"] as? String ?? "",
                        required: setting["required"] as? Bool ?? false, secret: setting["secret"] as? Bool ?? false))
            }
        }
        #expect(rows == expected)
    }
}

/// The README's `### Plugin settings` table, one row per setting:
/// `| plugin | key | type | default | required | secret |`, code spans unwrapped.
enum ReadmeSettingsTable {
    struct Row: Equatable, CustomStringConvertible {
        var plugin, key, type, defaultValue: String
        var required, secret: Bool
        var description: String {
            "\(plugin).\(key): \(type), default '\(defaultValue)', required \(required), secret \(secret)"
        }
    }

    static func rows(in readme: String) -> [Row] {
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let heading = lines.firstIndex(of: "### Plugin settings") else { return [] }
        var rows: [Row] = []
        var plugin = ""
        for line in lines[(heading + 1)...] {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("|"), !line.hasPrefix("|---"), !line.hasPrefix("| Plugin") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
            guard cells.count == 6 else { continue }
            if !cells[0].isEmpty { plugin = cells[0] }
            rows.append(
                Row(
                    plugin: plugin, key: cells[1], type: cells[2], defaultValue: cells[3],
                    required: cells[4] == "yes", secret: cells[5] == "yes"))
        }
        return rows
    }
}
