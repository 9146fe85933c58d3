import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import TestSupport
import Testing

/// The pipeline file format: what is accepted, and that every mistake names file, line and key.
@Suite struct PipelineValidationTests {
    private func issues(_ yaml: String) -> [String] {
        do {
            _ = try PipelineParser().parse(yaml, file: "p.yml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func parsesEveryNodeField() throws {
        let pipeline = try PipelineParser().parse(
            """
            name: demo
            max_workers: 3
            fail_fast: false
            env: {STAGE: test}
            plugins:
              event-recorder:
                file: /tmp/x
              quiet:
            nodes:
              a:
                run: echo a
                env: {X: 1}
                cwd: sub
                timeout: 1m30s
                retries: {count: 2, delay: 500ms}
              b:
                after: a
                run: echo b
                retries: 1
                retry_delay: 2
              ok:
                after: [a, b]
                gate: {timeout: 10m, message: Ship it?}
            """, file: "demo.yml")
        #expect(pipeline.name == "demo")
        #expect(pipeline.maxWorkers == 3)
        #expect(pipeline.failFast == false)
        #expect(pipeline.environment == ["STAGE": "test"])
        #expect(pipeline.nodes.map(\.name) == ["a", "b", "ok"])
        let a = try #require(pipeline.node(named: "a"))
        #expect(a.command == "echo a")
        #expect(a.environment == ["X": "1"])
        #expect(a.workingDirectory == "sub")
        #expect(a.timeoutSeconds == 90)
        #expect(a.retries == 2)
        #expect(a.retryDelaySeconds == 0.5)
        let b = try #require(pipeline.node(named: "b"))
        #expect(b.after == ["a"])
        #expect(b.retries == 1 && b.retryDelaySeconds == 2)
        let gate = try #require(pipeline.node(named: "ok"))
        #expect(gate.action == .gate(message: "Ship it?"))
        #expect(gate.timeoutSeconds == 600)
        #expect(gate.after == ["a", "b"])
        #expect(pipeline.plugins.map(\.name) == ["event-recorder", "quiet"])
        #expect(pipeline.plugins[0].settings["file"]?.raw == "/tmp/x")
        #expect(pipeline.plugins[0].settings["file"]?.line == 7)
    }

    @Test func unknownKeysAreNamedWithTheirLineAndASuggestion() {
        let found = issues(
            """
            nodes:
              a:
                rn: echo a
              b:
                run: echo b
                retires: 2
            max_worker: 2
            """)
        #expect(found.contains { $0.hasPrefix("p.yml:3:5: nodes.a.rn: unknown key 'rn' (did you mean 'run'?") })
        #expect(
            found.contains {
                $0.hasPrefix("p.yml:6:5: nodes.b.retires: unknown key 'retires' (did you mean 'retries'?")
            })
        #expect(
            found.contains {
                $0.hasPrefix("p.yml:7:1: max_worker: unknown key 'max_worker' (did you mean 'max_workers'?")
            })
        #expect(
            found.contains { $0.contains("nodes.a: a node needs 'run'") } == false,
            "the typo is the reported problem, once")
    }

    @Test func unknownDependenciesAreReported() {
        let found = issues(
            """
            nodes:
              extract:
                run: echo
              load:
                after: [extrct]
                run: echo
            """)
        #expect(found == ["p.yml:5:12: nodes.load.after: unknown node 'extrct' (did you mean 'extract'?)"])
    }

    @Test func dependencyListsAreCheckedEntryByEntry() {
        let short = issues("nodes:\n  a: {run: x}\n  b: {run: x, after: [a, b, a, zz, a]}\n")
        #expect(
            short == [
                "p.yml:3:22: nodes.b.after: a node cannot depend on itself",
                "p.yml:3:22: nodes.b.after: 'a' is listed twice",
                "p.yml:3:22: nodes.b.after: unknown node 'zz'",
                "p.yml:3:22: nodes.b.after: 'a' is listed twice",
            ])
        // A long list is checked with a set: the same answers.
        let names = (0..<20).map { "n\($0)" }
        let nodes = names.map { "  \($0): {run: x}" }.joined(separator: "\n")
        let long = issues(
            "nodes:\n\(nodes)\n  z: {run: x, after: [\((names + ["n3", "z", "n3"]).joined(separator: ", "))]}\n")
        #expect(long.filter { $0.hasSuffix("'n3' is listed twice") }.count == 2)
        #expect(long.filter { $0.hasSuffix("a node cannot depend on itself") }.count == 1)
        #expect(long.count == 3)
    }

    @Test func onlyTheFirstUnknownNamesGetASuggestion() {
        // A suggestion compares the name with every node's: many unknown
        // names in a big file would take minutes, so the first 20 get one.
        let unknown = (0..<25).map { "  u\($0): {run: x, after: [extrcx]}" }.joined(separator: "\n")
        let found = issues("nodes:\n  extract: {run: x}\n\(unknown)\n")
        #expect(found.count == 25)
        #expect(found.filter { $0.hasSuffix("unknown node 'extrcx' (did you mean 'extract'?)") }.count == 20)
        #expect(found.filter { $0.hasSuffix("unknown node 'extrcx'") }.count == 5)
    }

    /// Long names cannot make suggestions slow: 4,000 nodes with names of
    /// 244 characters and 20 unknown ones of the same length took 54 s, a
    /// key of 20,000 characters 0.1 s per mention (and filled the message).
    @Test func longNamesAndKeysStayQuickAndShort() throws {
        let stem = String(repeating: "n", count: 240)
        var yaml = "nodes:\n"
        for index in 0..<4000 { yaml += "  \(stem)\(index + 1000): {run: x}\n" }
        let unknown = (0..<20).map { "\(stem)x\($0 + 100)" }.joined(separator: ", ")
        yaml += "  last: {run: x, after: [\(unknown)]}\n"
        // A plain key is limited to 1024 characters; an explicit one is not.
        yaml += "  keyed:\n    run: x\n    ? \(String(repeating: "k", count: 20_000))\n    : 1\n"
        let start = ContinuousClock.now
        let found = issues(yaml)
        // A hang detector, not a benchmark: the old code took minutes.
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(found.filter { $0.contains("unknown node '\(stem)x") }.count == 20)
        let key = try #require(found.first { $0.contains("unknown key") })
        #expect(
            key.contains("unknown key '\(String(repeating: "k", count: 60))... (20000 characters)'"),
            "\(key.prefix(300))")
        #expect(key.count < 400, "\(key.prefix(300))")
    }

    /// `file: ~` is YAML's null, not a file called `~`: refused with a hint,
    /// where it used to reach the plugin as those characters. Quoted, it is
    /// taken as written; an empty `key:` stays an empty value.
    @Test func aNullPluginSettingIsRefused() throws {
        let found = issues("plugins:\n  timing:\n    json: ~\n    output: null\nnodes:\n  a: {run: x}\n")
        #expect(
            found == [
                "p.yml:3:11: plugins.timing.json: expected a value, got nothing (null); quote it ('~') to mean those characters",
                "p.yml:4:13: plugins.timing.output: expected a value, got nothing (null); quote it ('null') to mean those characters",
            ], "\(found)")
        let quoted = try PipelineParser().parse(
            "plugins:\n  timing:\n    json: '~'\n    output:\nnodes:\n  a: {run: x}\n", file: "p.yml")
        #expect(quoted.plugins.first?.settings["json"]?.raw == "~")
        #expect(quoted.plugins.first?.settings["output"]?.raw == "")
    }

    @Test func cyclesAreReportedWithTheirPath() {
        let found = issues(
            """
            nodes:
              a:
                after: c
                run: echo
              b:
                after: a
                run: echo
              c:
                after: b
                run: echo
            """)
        #expect(found.count == 1)
        #expect(found.first?.contains("cycle: ") == true)
        #expect(
            found.first?.contains("a -> b -> c -> a") == true || found.first?.contains("b -> c -> a -> b") == true
                || found.first?.contains("c -> a -> b -> c") == true)
        #expect(found.first?.hasPrefix("p.yml:") == true)
    }

    @Test func aNodeNeedsExactlyOneOfRunAndGate() {
        let both = issues(
            """
            nodes:
              a:
                run: echo
                gate: true
            """)
        #expect(both == ["p.yml:2:3: nodes.a: a node has either 'run' or 'gate', not both"])
        let neither = issues(
            """
            nodes:
              a:
                after: []
            """)
        #expect(neither == ["p.yml:2:3: nodes.a: a node needs 'run' (a shell command) or 'gate' (an approval gate)"])
    }

    @Test func badTypesAreReported() {
        let found = issues(
            """
            max_workers: lots
            fail_fast: maybe
            nodes:
              a:
                run: [echo, a]
                timeout: soon
                retries: -1
                env: [A]
            """)
        #expect(found.contains("p.yml:1:14: max_workers: expected an integer from 1 to 4096, got 'lots'"))
        #expect(found.contains("p.yml:2:12: fail_fast: expected true or false, got 'maybe'"))
        #expect(found.contains("p.yml:5:10: nodes.a.run: expected a string, got a list"))
        #expect(
            found.contains { $0.hasPrefix("p.yml:6:14: nodes.a.timeout: expected a duration from 1ms to 365 days") })
        #expect(found.contains("p.yml:7:14: nodes.a.retries: expected an integer from 0 to 1000, got '-1'"))
        #expect(found.contains("p.yml:8:10: nodes.a.env: expected a mapping of variable name to value, got a list"))
    }

    @Test func invalidYAMLAndMissingNodesAreReported() {
        #expect(issues("nodes: [a\n").first?.hasPrefix("p.yml:") == true)
        #expect(issues("name: x\n") == ["p.yml:1:1: nodes: missing key 'nodes': a pipeline needs at least one node"])
        #expect(issues("nodes:\n  a: {run: x}\n  a: {run: y}\n").first?.contains("duplicate key 'a'") == true)
        #expect(issues("nodes:\n  ../evil: {run: x}\n").first?.contains("invalid node name") == true)
    }

    @Test func durationsAcceptUnitsAndRejectGarbage() {
        #expect(DurationText.seconds("90") == 90)
        #expect(DurationText.seconds("1.5s") == 1.5)
        #expect(DurationText.seconds("250ms") == 0.25)
        #expect(DurationText.seconds("1h2m3s") == 3723)
        #expect(DurationText.seconds("5 minutes") == nil)
        #expect(DurationText.seconds("s") == nil)
        #expect(DurationText.seconds("-3") == nil)
        #expect(DurationText.format(0) == "0.0s")
        #expect(DurationText.format(1.24) == "1.2s")
        #expect(DurationText.format(59.94) == "59.9s")
        #expect(DurationText.format(65) == "1m05s")
        #expect(DurationText.format(3725) == "1h02m")
        #expect(DurationText.format(.infinity) == "infs")
        #expect(DurationText.format(.nan) == "nans")
        #expect(DurationText.format(2e12) == "2e+12s")
        #expect(DurationText.format(-1.5) == "-1.5s")
    }

    @Test("seconds under a minute read as the C library's %.1f would, ties and signed zero included")
    func tenthsMatchPrintf() {
        var values: [Double] = [0, -0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.95, 1.05, 2.25, 9.95, 59.95, 59.96, 59.99]
        values += [.leastNonzeroMagnitude, .leastNormalMagnitude, 1e-300, 0.049_999_999_999, 59.999_999_999]
        for step in 0..<60_000 { values.append(Double(step) / 1000) }
        for step in 0..<600 { values.append(Double(step) / 10 + 0.05) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { values.append(Double.random(in: 0..<60, using: &generator)) }
        var mismatches: [String] = []
        for value in values where mismatches.count < 5 {
            let expected = String(format: "%.1fs", value)
            let actual = DurationText.format(value)
            if actual != expected { mismatches.append("\(value): \(actual), printf: \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}

/// Plugin settings: `${VAR}` expansion and the documented precedence.
@Suite struct PluginSettingsTests {
    private let declared = PluginDeclaration(
        name: "notify",
        settings: [
            "url": .init(raw: "${HOOK_URL}/x", line: 4, column: 10),
            "channel": .init(raw: "from-file", line: 5, column: 14),
            "level": .init(raw: "${LEVEL:-info}", line: 6, column: 12),
        ])

    @Test func fileValuesExpandFromTheEnvironment() throws {
        let resolver = try PluginSettingsResolver(environment: ["HOOK_URL": "https://h"], overrides: [])
        let settings = try resolver.settings(for: "notify", declared: declared, file: "p.yml")
        #expect(settings.values == ["url": "https://h/x", "channel": "from-file", "level": "info"])
    }

    @Test func environmentOverridesTheFileAndSetOverridesBoth() throws {
        let environment = [
            "HOOK_URL": "https://h",
            "DAGRON_PLUGIN_NOTIFY_CHANNEL": "from-env",
            "DAGRON_PLUGIN_NOTIFY_LEVEL": "debug",
        ]
        let resolver = try PluginSettingsResolver(
            environment: environment, overrides: ["notify.level=error", "other.x=1"])
        let settings = try resolver.settings(for: "notify", declared: declared, file: "p.yml")
        #expect(settings["channel"] == "from-env")
        #expect(settings["level"] == "error")
        #expect(settings["url"] == "https://h/x")
        #expect(resolver.pluginsWithOverrides == ["notify", "other"])
        #expect(
            PluginSettingsResolver.environmentVariable(plugin: "event-recorder", key: "file")
                == "DAGRON_PLUGIN_EVENT_RECORDER_FILE")
    }

    @Test func anUnsetVariableNamesFileLineAndKey() throws {
        let resolver = try PluginSettingsResolver(environment: [:], overrides: [])
        #expect {
            _ = try resolver.settings(for: "notify", declared: declared, file: "p.yml")
        } throws: { error in
            String(describing: error).hasPrefix(
                "p.yml:4:10: plugins.notify.url: environment variable 'HOOK_URL' is not set")
        }
    }

    @Test func malformedAssignmentsAreRejected() {
        for bad in ["notify", "notify=1", ".key=1", "notify.=1"] {
            #expect(throws: PluginSettingsResolver.SettingError.malformedOverride(bad)) {
                _ = try PluginSettingsResolver(environment: [:], overrides: [bad])
            }
        }
        #expect(throws: VariableExpander.Failure.malformed("${A")) { _ = try VariableExpander([:]).expand("x ${A") }
        #expect((try? VariableExpander(["A": "1"]).expand("$$A ${A} $B")) == "$A 1 $B")
    }
}
