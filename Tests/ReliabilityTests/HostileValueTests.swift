import Foundation
import TestSupport
import Testing

/// Every number and duration a user can hand dagron — pipeline keys, plugin
/// settings, command-line flags — fed the values that used to crash it
/// (`Double value cannot be converted to Int64`, a port NIO traps on) and
/// their cousins, through the built `dagron validate` and `dagron run`.
///
/// Each must be refused where it is read: exit status 2, no signal, no
/// `Fatal error`, a message naming the key (with `file:line:column` for a
/// pipeline key or a setting written in the file) and, for `run`, nothing ran.
@Suite struct HostileValueTests {
    /// Values no numeric or duration key accepts (each is outside every range, or not a number).
    static let hostileValues = [
        "1e300", "1e10", "-1", "nan", "inf", "-inf", ".nan", ".inf", "9223372036854775807",
        "99999999999999999999", "1e-12", "0.0001", "-0.5", "\"\"",
    ]

    /// A pipeline whose every numeric and duration key holds `value`, with
    /// the `file:line:column: key:` prefix each must be reported under.
    private static func pipeline(with value: String) -> (text: String, prefixes: [String]) {
        let lines: [(text: String, key: String?)] = [
            ("max_workers: @", "max_workers"),
            ("nodes:", nil),
            ("  a:", nil),
            ("    run: touch ran-a", nil),
            ("    timeout: @", "nodes.a.timeout"),
            ("    retries: @", "nodes.a.retries"),
            ("    retry_delay: @", "nodes.a.retry_delay"),
            ("  b:", nil),
            ("    run: touch ran-b", nil),
            ("    retries:", nil),
            ("      count: @", "nodes.b.retries.count"),
            ("      delay: @", "nodes.b.retries.delay"),
            ("  g:", nil),
            ("    gate:", nil),
            ("      timeout: @", "nodes.g.gate.timeout"),
            ("  h:", nil),
            ("    gate: true", nil),
            ("    timeout: @", "nodes.h.timeout"),
        ]
        var prefixes: [String] = []
        for (number, line) in lines.enumerated() {
            guard let key = line.key, let at = line.text.firstIndex(of: "@") else { continue }
            prefixes.append(
                "p.yml:\(number + 1):\(line.text.distance(from: line.text.startIndex, to: at) + 1): \(key):")
        }
        return (
            lines.map { $0.text.replacingOccurrences(of: "@", with: value) }.joined(separator: "\n") + "\n", prefixes
        )
    }

    /// `finished` was refused cleanly: exit 2, no crash, every `mentions` in its standard error.
    private func expectRefused(_ finished: Finished, mentioning mentions: [String], _ what: String) {
        #expect(finished.signal == nil, "\(what): killed by signal \(finished.signal ?? 0)\n\(finished.stderr)")
        #expect(finished.status == 2, "\(what): exit \(finished.status)\n\(finished.stderr)")
        #expect(!finished.stderr.contains("Fatal error"), "\(what): \(finished.stderr)")
        for mention in mentions {
            #expect(finished.stderr.contains(mention), "\(what): no '\(mention)' in:\n\(finished.stderr)")
        }
    }

    /// Nothing of a refused `dagron run --run-dir run` happened: no command ran, no run directory.
    private func expectNothingRan(_ scratch: Scratch, _ what: String) {
        for marker in ["ran-a", "ran-b", "ran"] {
            #expect(scratch.read(marker) == nil, "\(what): a node ran (\(marker))")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/run"), "\(what): a run directory was made")
    }

    @Test("every pipeline key refuses the value", arguments: hostileValues)
    func pipelineKeys(value: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let (text, prefixes) = Self.pipeline(with: value)
        try scratch.write("p.yml", text)
        #expect(prefixes.count == 8)

        let validate = try dagron(["validate", "p.yml"], in: scratch.path)
        expectRefused(validate, mentioning: prefixes, "validate with \(value)")
        let run = try dagron(["run", "p.yml", "--run-dir", "run", "--no-plugins"], in: scratch.path)
        expectRefused(run, mentioning: prefixes, "run with \(value)")
        expectNothingRan(scratch, "run with \(value)")
    }

    /// One numeric setting of a bundled plugin: the settings table with `@`
    /// where the hostile value goes, and the key it must be reported under.
    struct Setting: Sendable, CustomStringConvertible {
        let plugin: String
        let key: String
        let table: [(key: String, value: String)]
        var description: String { "\(plugin).\(key)" }

        init(_ plugin: String, _ key: String, _ table: [(key: String, value: String)]) {
            self.plugin = plugin
            self.key = key
            self.table = table
        }
    }

    static let settings: [Setting] = {
        let slack = ["timeout_seconds", "retry_delay_seconds", "flush_timeout_seconds", "max_retries", "queue_size"].map
        {
            Setting("slack-webhook", $0, [("webhook_url", "http://127.0.0.1:1/hook"), ($0, "@")])
        }
        return slack + [
            Setting("timing", "top", [("top", "@")]),
            Setting("prometheus-text", "listen", [("listen", "127.0.0.1:@")]),
        ]
    }()

    /// A pipeline loading `setting.plugin` with `value` in place, and the
    /// `file:line:column: plugins.<plugin>.<key>:` prefix the error must carry.
    private static func pipeline(_ setting: Setting, value: String) -> (text: String, prefix: String) {
        var lines = ["plugins:", "  \(setting.plugin):"]
        var prefix = ""
        for (key, raw) in setting.table {
            let line =
                "    \(key): "
                + (raw == "@" && value == "\"\"" ? value : raw.replacingOccurrences(of: "@", with: value))
            if key == setting.key {
                prefix = "p.yml:\(lines.count + 1):\(key.count + 7): plugins.\(setting.plugin).\(key):"
            }
            lines.append(line)
        }
        lines += ["nodes:", "  a: {run: touch ran}"]
        return (lines.joined(separator: "\n") + "\n", prefix)
    }

    @Test("every numeric plugin setting refuses the value in configure", arguments: settings, hostileValues)
    func pluginSettings(setting: Setting, value: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let (text, prefix) = Self.pipeline(setting, value: value)
        try scratch.write("p.yml", text)
        let mentions = [prefix, "'\(setting.key)'"]
        let plugins = ["--plugin-path", DagronBinary.directory]

        let validate = try dagron(["validate", "p.yml"] + plugins, in: scratch.path)
        expectRefused(validate, mentioning: mentions, "validate \(setting) = \(value)")
        let run = try dagron(["run", "p.yml", "--run-dir", "run"] + plugins, in: scratch.path)
        expectRefused(run, mentioning: mentions + ["no node was started"], "run \(setting) = \(value)")
        expectNothingRan(scratch, "run \(setting) = \(value)")
    }

    @Test(
        "a webhook_url port outside 1...65535 is a configuration error, not a crash at the end of the run",
        arguments: ["99999", "65536", "0", "-1", "1e300", "nan", "9223372036854775807", "99999999999999999999"])
    func webhookPort(port: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            plugins:
              slack-webhook:
                webhook_url: http://127.0.0.1:\(port)/services/T/B/secret-token
                notify_on: always
            nodes:
              a: {run: touch ran}
            """)
        let plugins = ["--plugin-path", DagronBinary.directory]
        let mentions = ["p.yml:3:18: plugins.slack-webhook.webhook_url:", "'webhook_url'"]
        let validate = try dagron(["validate", "p.yml"] + plugins, in: scratch.path)
        expectRefused(validate, mentioning: mentions, "validate port \(port)")
        let run = try dagron(["run", "p.yml", "--run-dir", "run"] + plugins, in: scratch.path)
        expectRefused(run, mentioning: mentions, "run port \(port)")
        expectNothingRan(scratch, "run port \(port)")
        #expect(
            !validate.stderr.contains("secret-token") && !run.stderr.contains("secret-token"), "the URL is a secret")
    }

    @Test("a hostile setting from --set or the environment names where it came from")
    func settingsFromTheCommandLineAndTheEnvironment() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: touch ran}\n")
        let plugins = ["--plugin-path", DagronBinary.directory]
        for command in [["validate", "p.yml"], ["run", "p.yml", "--run-dir", "run"]] {
            let viaSet = try dagron(
                command + plugins + [
                    "--plugin", "slack-webhook", "--set", "slack-webhook.webhook_url=http://127.0.0.1:1/x",
                    "--set", "slack-webhook.timeout_seconds=1e300",
                ], in: scratch.path)
            expectRefused(
                viaSet, mentioning: ["--set slack-webhook.timeout_seconds:", "'timeout_seconds'"], "\(command[0]) --set"
            )
            let viaEnvironment = try dagron(
                command + plugins + ["--plugin", "timing"], in: scratch.path,
                environment: ["DAGRON_PLUGIN_TIMING_TOP": "9223372036854775807"])
            expectRefused(
                viaEnvironment, mentioning: ["environment variable DAGRON_PLUGIN_TIMING_TOP:", "'top'"],
                "\(command[0]) environment")
            expectNothingRan(scratch, "\(command[0])")
        }
    }

    @Test(
        "--max-workers is range-checked",
        arguments: ["0", "-1", "4097", "1e10", "nan", "9223372036854775807", "99999999999999999999"])
    func maxWorkersFlag(value: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "nodes:\n  a: {run: touch ran}\n")
        let run = try dagron(
            ["run", "p.yml", "--run-dir", "run", "--no-plugins", "--max-workers=\(value)"], in: scratch.path)
        expectRefused(run, mentioning: ["--max-workers"], "--max-workers=\(value)")
        expectNothingRan(scratch, "--max-workers=\(value)")
    }

    @Test(
        "gate approve --wait is range-checked before any decision is written",
        arguments: ["1e300", "-1", "nan", "inf", "9223372036854775807", "1e-12", "soon"])
    func gateWaitFlag(value: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/rd/gates", withIntermediateDirectories: true)
        // A live run waiting at gate `g` (this process stands in for it): a valid decision would be written.
        let pid = ProcessInfo.processInfo.processIdentifier
        try scratch.write(
            "rd/run.json",
            #"{"pipeline": "p.yml", "name": "p", "processID": \#(pid), "startedAt": 0, "nodes": ["g"], "gates": {"g": ""}}"#
        )
        for verdict in ["approve", "reject"] {
            let decided = try dagron(["gate", verdict, "rd", "g", "--wait=\(value)"], in: scratch.path)
            expectRefused(decided, mentioning: ["--wait"], "gate \(verdict) --wait=\(value)")
            #expect(scratch.read("rd/gates/g.decision") == nil, "a decision was written despite --wait=\(value)")
        }
        // The same directory takes a decision with a valid --wait: the refusals above were the value's doing.
        let accepted = try dagron(["gate", "approve", "rd", "g", "--wait=0"], in: scratch.path)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(scratch.read("rd/gates/g.decision") != nil)
    }
}
