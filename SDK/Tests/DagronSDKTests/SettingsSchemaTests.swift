@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

/// `PluginSettingsSchema`: what the host checks before `configure`, with the wording of `PluginSettings`.
@Suite("Settings schema")
struct SettingsSchemaTests {
    let schema: PluginSettingsSchema = [
        PluginSetting("token", .text, required: true, secret: true, help: "The API token."),
        PluginSetting("retries", .integer(IntegerBounds(0...20)), default: "3", help: "Retries."),
        PluginSetting("timeout", .seconds(DurationBounds(longest: 60)), default: "10", help: "Timeout."),
        PluginSetting(
            "poll", .duration(DurationBounds(shortest: 0.1, longest: 600)), default: "2", help: "Poll interval."),
        PluginSetting("verbose", .boolean, default: "false", help: "More output."),
        PluginSetting("mode", .choice(["fast", "slow"]), default: "fast", help: "How."),
        PluginSetting("out", .filePath, help: "Where."),
        PluginSetting("url", .integer(.port), secret: true, help: "A secret port."),
    ]

    @Test func unknownKeysAreNamedTogetherFirst() {
        let problems = schema.problems(in: PluginSettings(plugin: "p", ["token": "t", "zeta": "1", "alpha": "2"]))
        #expect(problems == [.unknownKeys(plugin: "p", keys: ["alpha", "zeta"])])
        #expect(problems.first?.description == "plugin 'p': unknown settings 'alpha', 'zeta'")
    }

    @Test func aRequiredSettingMissingOrBlankIsReported() {
        #expect(schema.problems(in: PluginSettings(plugin: "p")) == [.missing(plugin: "p", key: "token")])
        #expect(
            schema.problems(in: PluginSettings(plugin: "p", ["token": "  "])) == [.missing(plugin: "p", key: "token")])
    }

    @Test(arguments: [
        ("retries", "21", "an integer from 0 to 20"),
        ("retries", "1e10", "an integer from 0 to 20"),
        ("retries", "-1", "an integer from 0 to 20"),
        ("timeout", "nan", "a number of seconds from 1ms to 1 minute"),
        ("timeout", "2s", "a number of seconds from 1ms to 1 minute"),
        ("poll", "1e300", "a duration such as 2 or \"2s\", from 100ms to 10 minutes"),
        ("poll", "2 fortnights", "a duration such as 2 or \"2s\", from 100ms to 10 minutes"),
        ("poll", "50ms", "a duration such as 2 or \"2s\", from 100ms to 10 minutes"),
        ("verbose", "maybe", "true or false"),
        ("mode", "FAST", "one of fast, slow"),
        ("out", "/no-such-dagron-folder/x", "a file in an existing folder ('/no-such-dagron-folder' is not one)"),
    ])
    func aValueOfTheWrongFormIsMalformed(key: String, value: String, expected: String) throws {
        let problems = schema.problems(in: PluginSettings(plugin: "p", ["token": "t", key: value]))
        #expect(problems == [.malformed(plugin: "p", key: key, value: value, expected: expected)])
        #expect(throws: PluginSettingsError.malformed(plugin: "p", key: key, value: value, expected: expected)) {
            try schema.validate(PluginSettings(plugin: "p", ["token": "t", key: value]))
        }
    }

    @Test func aSecretValueIsNeverInTheError() throws {
        let problems = schema.problems(in: PluginSettings(plugin: "p", ["token": "t", "url": "hunter2"]))
        #expect(
            problems == [
                .malformed(
                    plugin: "p", key: "url", value: PluginSetting.hiddenValue, expected: "an integer from 0 to 65535")
            ])
        #expect(!problems.description.contains("hunter2"))
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        let problems = schema.problems(in: PluginSettings(plugin: "p", ["retries": "x", "mode": "y", "bogus": "z"]))
        #expect(problems.map(\.key) == ["bogus", "token", "retries", "mode"])
    }

    @Test func acceptedValuesPass() throws {
        let folder = FileManager.default.temporaryDirectory.path
        let given = PluginSettings(
            plugin: "p",
            [
                "token": "t", "retries": " 20 ", "timeout": "0.5", "poll": "1m30s", "verbose": "yes",
                "mode": "slow", "out": folder + "/x.log", "url": "0",
            ])
        #expect(schema.problems(in: given).isEmpty)
        try schema.validate(given)
        #expect(schema.problems(in: PluginSettings(plugin: "p", ["token": "t", "poll": "1500ms"])).isEmpty)
    }

    @Test func everyDefaultIsAcceptedByItsOwnKind() {
        for setting in schema.settings {
            guard let value = setting.defaultValue else { continue }
            #expect(setting.problem(with: value, plugin: "p") == nil, "\(setting.key) = \(value)")
        }
    }

    @Test func anUndeclaredSchemaChecksNothing() throws {
        let empty = PluginSettingsSchema()
        #expect(!empty.isDeclared)
        #expect(empty.problems(in: PluginSettings(plugin: "p", ["anything": "goes"])).isEmpty)
    }

    @Test func kindsDescribeThemselves() {
        #expect(PluginSetting.Kind.integer(IntegerBounds(0...20)).description == "integer from 0 to 20")
        #expect(PluginSetting.Kind.choice(["a", "b"]).description == "one of a, b")
        #expect(PluginSetting.Kind.boolean.description == "boolean")
        #expect(PluginSetting.Kind.filePath.description == "file path")
        #expect(schema.secretKeys == ["token", "url"])
        #expect(schema["retries"]?.defaultValue == "3")
        #expect(schema["nope"] == nil)
    }

    @Test func theSchemaSurvivesACodableRoundTrip() throws {
        let data = try JSONEncoder().encode(schema)
        #expect(try JSONDecoder().decode(PluginSettingsSchema.self, from: data) == schema)
    }
}

/// A plugin declaring a schema and nothing else: the default `configure` and `secretSettings` follow the schema.
@Suite("Plugin with a schema")
struct SchemaPluginContractTests {
    struct Declaring: DagronPlugin {
        let name = "declaring"
        var settingsSchema: PluginSettingsSchema {
            [
                PluginSetting("key", .text, required: true, secret: true, help: "A key."),
                PluginSetting("level", .choice(["a", "b"]), default: "a", help: "A level."),
            ]
        }
        func initialize(hooks: HookRegistry) throws {}
    }

    struct Undeclared: DagronPlugin {
        let name = "undeclared"
        func initialize(hooks: HookRegistry) throws {}
    }

    @Test func theDefaultConfigureChecksTheSchema() throws {
        let plugin = Declaring()
        #expect(throws: PluginSettingsError.missing(plugin: "declaring", key: "key")) {
            try plugin.configure(PluginSettings(plugin: "declaring"))
        }
        #expect(throws: PluginSettingsError.self) {
            try plugin.configure(PluginSettings(plugin: "declaring", ["key": "k", "level": "c"]))
        }
        try plugin.configure(PluginSettings(plugin: "declaring", ["key": "k", "level": "b"]))
        #expect(plugin.secretSettings == ["key"])
    }

    @Test func anUndeclaredPluginStillRefusesAnyKey() throws {
        let plugin = Undeclared()
        #expect(throws: PluginSettingsError.unknownKeys(plugin: "undeclared", keys: ["x"])) {
            try plugin.configure(PluginSettings(plugin: "undeclared", ["x": "1"]))
        }
        try plugin.configure(PluginSettings(plugin: "undeclared"))
        #expect(!plugin.settingsSchema.isDeclared)
        #expect(plugin.secretSettings.isEmpty)
    }
}

extension PluginSettingsError {
    /// The key the error is about (the first unknown one).
    var key: String {
        switch self {
        case .missing(_, let key), .malformed(_, let key, _, _): key
        case .unknownKeys(_, let keys): keys.first ?? ""
        }
    }
}
