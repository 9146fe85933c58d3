import Dagron
import Foundation
import Testing

/// `dagron plugins list/info/clear` with a quarantined plugin, run as a user
/// would: the built binary, a clean environment, a real plugin file whose
/// fault is seeded through the engine's `PluginQuarantine`.
@Suite("dagron plugins: quarantined plugins")
struct QuarantineCommandTests {
    /// 2026-12-03 10:11:12 UTC.
    static let december3 = 1_796_292_672.0

    /// A home with a plugin directory holding a copy of the event recorder, and its quarantine.
    private struct Setup {
        let home: TemporaryDirectory
        let plugins: String
        let plugin: String
        var quarantine: PluginQuarantine { PluginQuarantine(path: home.path + "/state/dagron/quarantine.json") }

        init() throws {
            try BuildProducts.require(BuildProducts.eventRecorder)
            home = try TemporaryDirectory()
            plugins = try home.subdirectory("plugins")
            plugin = try home.copy(BuildProducts.eventRecorder, to: "plugins/libRecorderCopy.so")
        }

        /// Runs `dagron` with this home; the quarantine lives in `$XDG_STATE_HOME` unless `environment` says otherwise.
        func dagron(_ arguments: [String], environment extra: [String: String?] = [:]) throws -> Command.Output {
            try BuildProducts.require(BuildProducts.dagron)
            var environment: [String: String?] = [
                "HOME": home.path, "XDG_DATA_HOME": home.path + "/data", "XDG_CACHE_HOME": home.path + "/cache",
                "XDG_STATE_HOME": home.path + "/state", "DAGRON_QUARANTINE": nil,
                "DAGRON_PLUGIN_PATH": nil, "DAGRON_ALLOW_INSECURE_PLUGINS": nil, "DAGRON_PLUGIN_CACHE": "0",
            ]
            for (key, value) in extra { environment[key] = value }
            return try Command.run(BuildProducts.dagron, arguments, environment: environment)
        }

        /// Records two SIGABRT crashes of the plugin in `post_node` of node `b`, a minute apart.
        func seedCrash() throws {
            for time in [QuarantineCommandTests.december3 - 60, QuarantineCommandTests.december3] {
                let fault = PluginFault(
                    kind: .crashed, signal: SIGABRT, phase: "event", event: "post_node", node: "b", at: time)
                try #require(quarantine.record(plugin: "event-recorder", file: plugin, fault: fault) == nil)
            }
        }

        func listRow(_ output: Command.Output) -> String? {
            output.stdout.split(separator: "\n").map(String.init).first { $0.hasSuffix(plugin) }
        }

        func jsonRows(_ output: Command.Output) throws -> [[String: Any]] {
            try #require(
                try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]], "\(output.all)")
        }
    }

    static let reason = """
        crashed with signal 6 (SIGABRT) in post_node (node 'b') at 2026-12-03 10:11:12 UTC, 2 times; \
        run isolated until rebuilt or cleared (dagron plugins clear event-recorder)
        """

    @Test("list, list --json and info show a quarantined plugin as crashed, with signal, event, node, time and count")
    func listAndInfoShowTheFault() throws {
        let setup = try Setup()
        try setup.seedCrash()

        let list = try setup.dagron(["plugins", "list", "--plugin-path", setup.plugins])
        #expect(list.status == 0, "\(list.all)")
        let row = try #require(setup.listRow(list), "\(list.all)")
        #expect(row.hasPrefix("event-recorder") && row.contains(" crashed "), "\(row)")
        #expect(list.stdout.contains("    ↳ " + Self.reason), "\(list.stdout)")
        // The shadowed bundled copy is another file: not quarantined.
        #expect(
            list.stdout.split(separator: "\n").contains {
                $0.contains(" shadowed ") && $0.hasSuffix("/libDagronEventRecorder.so")
            })

        let json = try setup.dagron(["plugins", "list", "--json", "--plugin-path", setup.plugins])
        #expect(json.status == 0, "\(json.all)")
        let rows = try setup.jsonRows(json)
        let quarantined = try #require(rows.first { $0["path"] as? String == setup.plugin })
        #expect(quarantined["status"] as? String == "crashed")
        #expect(quarantined["error"] is NSNull)
        let record = try #require(quarantined["quarantine"] as? [String: Any])
        #expect(record["kind"] as? String == "crashed")
        #expect(record["signal"] as? Int == 6)
        #expect(record["exitCode"] is NSNull)
        #expect(record["phase"] as? String == "event")
        #expect(record["event"] as? String == "post_node")
        #expect(record["node"] as? String == "b")
        // Times in ISO 8601, as in every --json document.
        #expect(record["at"] as? String == "2026-12-03T10:11:12.000Z")
        #expect(record["firstAt"] as? String == "2026-12-03T10:10:12.000Z")
        #expect(record["count"] as? Int == 2)
        #expect(record["reason"] as? String == Self.reason)
        for other in rows where other["path"] as? String != setup.plugin {
            #expect(
                Set(other.keys) == ["name", "version", "status", "path", "error", "abi"],
                "others keep their shape: \(other)")
        }

        let info = try setup.dagron(["plugins", "info", "event-recorder", "--plugin-path", setup.plugins])
        #expect(info.status == 0, "\(info.all)")
        #expect(info.stdout.contains("status:   crashed\n"), "\(info.stdout)")
        #expect(info.stdout.contains("fault:    " + Self.reason + "\n"))
        #expect(info.stdout.contains("first:    2026-12-03 10:10:12 UTC (first of 2 faults)"))
        #expect(info.stdout.contains("path:     \(setup.plugin)"))
    }

    @Test("touching or rebuilding the plugin file ends its quarantine")
    func changedFileIsReleased() throws {
        let setup = try Setup()
        try setup.seedCrash()
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, setup.plugin, &times, 0) == 0)
        let touched = try setup.dagron(["plugins", "list", "--plugin-path", setup.plugins])
        #expect(setup.listRow(touched)?.contains(" loaded ") == true, "\(touched.all)")
        #expect(!touched.stdout.contains("crashed"))

        try setup.seedCrash()
        #expect(
            setup.listRow(try setup.dagron(["plugins", "list", "--plugin-path", setup.plugins]))?.contains(" crashed ")
                == true)
        // Rebuilt: a new file in its place (another inode).
        try setup.home.copy(BuildProducts.eventRecorder, to: "plugins/libRecorderCopy.so")
        let rebuilt = try setup.dagron(["plugins", "list", "--json", "--plugin-path", setup.plugins])
        let row = try #require(try setup.jsonRows(rebuilt).first { $0["path"] as? String == setup.plugin })
        #expect(row["status"] as? String == "loaded")
        #expect(row["quarantine"] == nil)
    }

    @Test(
        "plugins clear NAME ends the quarantine; a known name that is not quarantined is fine; an unknown one exits 2")
    func clearByName() throws {
        let setup = try Setup()
        try setup.seedCrash()
        let cleared = try setup.dagron(["plugins", "clear", "event-recorder", "--plugin-path", setup.plugins])
        #expect(cleared.status == 0, "\(cleared.all)")
        #expect(cleared.stdout.contains("Cleared 'event-recorder'"))
        #expect(setup.quarantine.entry(forFile: setup.plugin) == nil)
        let list = try setup.dagron(["plugins", "list", "--plugin-path", setup.plugins])
        #expect(setup.listRow(list)?.contains(" loaded ") == true, "\(list.all)")

        let again = try setup.dagron(["plugins", "clear", "event-recorder", "--plugin-path", setup.plugins])
        #expect(again.status == 0, "\(again.all)")
        #expect(again.stdout.contains("'event-recorder' is not quarantined"))

        let unknown = try setup.dagron(["plugins", "clear", "no-such-plugin", "--plugin-path", setup.plugins])
        #expect(unknown.status == 2, "\(unknown.all)")
        #expect(unknown.stderr.contains("no plugin named 'no-such-plugin'"), "\(unknown.all)")
    }

    @Test("plugins clear --all clears every plugin; NAME and --all together, or neither, is a usage error")
    func clearAll() throws {
        let setup = try Setup()
        try setup.seedCrash()
        let other = try setup.home.write("stand-in", to: "libOther.so")
        #expect(
            setup.quarantine.record(
                plugin: "other", file: other, fault: PluginFault(kind: .stalled, phase: "event", event: "pre_node"))
                == nil)

        for wrong in [["plugins", "clear"], ["plugins", "clear", "event-recorder", "--all"]] {
            let output = try setup.dagron(wrong)
            #expect(output.status == 2, "\(wrong): \(output.all)")
            #expect(output.stderr.contains("give"), "\(output.all)")
        }
        #expect(setup.quarantine.entries().count == 2, "usage errors clear nothing")

        let all = try setup.dagron(["plugins", "clear", "--all"])
        #expect(all.status == 0, "\(all.all)")
        #expect(all.stdout.contains("Cleared 2 quarantined plugin files."))
        #expect(setup.quarantine.entries().isEmpty)
        let none = try setup.dagron(["plugins", "clear", "--all"])
        #expect(none.stdout.contains("No plugin is quarantined."))
    }

    @Test(
        "a corrupt file, a directory or a symbolic link at the quarantine's path is harmless; a store that cannot be written makes clear fail"
    )
    func hostileQuarantineFiles() throws {
        let setup = try Setup()
        try setup.seedCrash()
        let path = setup.quarantine.path
        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        let elsewhere = setup.home.path + "/elsewhere.json"
        try saved.write(to: URL(fileURLWithPath: elsewhere))

        let cases: [(String, () throws -> Void)] = [
            ("corrupt", { try Data("{\"format\": 1, \"entries\": [{".utf8).write(to: URL(fileURLWithPath: path)) }),
            (
                "directory",
                {
                    unlink(path)
                    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                }
            ),
            (
                "symlink",
                {
                    try FileManager.default.removeItem(atPath: path)
                    #expect(symlink(elsewhere, path) == 0)
                }
            ),
        ]
        for (label, plant) in cases {
            try plant()
            let list = try setup.dagron(["plugins", "list", "--plugin-path", setup.plugins])
            #expect(list.status == 0, "\(label): \(list.all)")
            #expect(setup.listRow(list)?.contains(" loaded ") == true, "\(label): \(list.all)")
            let json = try setup.dagron(["plugins", "list", "--json", "--plugin-path", setup.plugins])
            #expect(json.status == 0 && json.stdout.hasPrefix("["), "\(label): \(json.all)")
            let info = try setup.dagron(["plugins", "info", "event-recorder", "--plugin-path", setup.plugins])
            #expect(info.stdout.contains("status:   loaded"), "\(label): \(info.all)")
        }
        // With a directory in its place there is nothing to clear.
        let nothing = try setup.dagron(["plugins", "clear", "--all"])
        #expect(nothing.status == 0 && nothing.stdout.contains("No plugin is quarantined."), "\(nothing.all)")
        // A store that cannot be written (its lock is a planted link): clearing fails and says why.
        try FileManager.default.removeItem(atPath: path)
        try setup.seedCrash()
        unlink(path + ".lock")
        #expect(symlink(elsewhere, path + ".lock") == 0)
        let blocked = try setup.dagron(["plugins", "clear", "--all"])
        #expect(blocked.status == 1, "\(blocked.all)")
        #expect(
            blocked.stderr.contains("cannot clear the quarantine: \(path).lock: cannot open the lock"), "\(blocked.all)"
        )
        #expect(try Data(contentsOf: URL(fileURLWithPath: elsewhere)) == saved, "the symlink's target is never written")
    }

    @Test("DAGRON_QUARANTINE moves the store, and 0 disables it")
    func environmentOverride() throws {
        let setup = try Setup()
        let moved = PluginQuarantine(path: setup.home.path + "/moved.json")
        let fault = PluginFault(kind: .exited, exitCode: 3, phase: "teardown", at: Self.december3)
        #expect(moved.record(plugin: "event-recorder", file: setup.plugin, fault: fault) == nil)

        let plain = try setup.dagron(["plugins", "list", "--plugin-path", setup.plugins])
        #expect(setup.listRow(plain)?.contains(" loaded ") == true, "\(plain.all)")
        let elsewhere = try setup.dagron(
            ["plugins", "list", "--plugin-path", setup.plugins], environment: ["DAGRON_QUARANTINE": moved.path])
        #expect(setup.listRow(elsewhere)?.contains(" exited ") == true, "\(elsewhere.all)")
        #expect(elsewhere.stdout.contains("exited with status 3 in teardown at 2026-12-03 10:11:12 UTC; run isolated"))
        let disabled = try setup.dagron(
            ["plugins", "list", "--plugin-path", setup.plugins], environment: ["DAGRON_QUARANTINE": "0"])
        #expect(setup.listRow(disabled)?.contains(" loaded ") == true, "\(disabled.all)")
        let clear = try setup.dagron(["plugins", "clear", "--all"], environment: ["DAGRON_QUARANTINE": "0"])
        #expect(clear.status == 0 && clear.stdout.contains("disabled"), "\(clear.all)")
        #expect(moved.entry(forFile: setup.plugin) != nil)
    }
}
