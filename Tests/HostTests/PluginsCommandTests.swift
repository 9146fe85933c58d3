import Foundation
import Testing

/// `dagron plugins …`, run as a user would: the built binary, in a clean environment.
@Suite("dagron plugins list/check/info")
struct PluginsCommandTests {
    /// An environment with no user plugin directory or cache of the developer's.
    private func environment(_ home: TemporaryDirectory, cache: Bool = false) -> [String: String?] {
        [
            "HOME": home.path, "XDG_DATA_HOME": home.path + "/data", "XDG_CACHE_HOME": home.path + "/cache",
            "DAGRON_PLUGIN_PATH": nil, "DAGRON_ALLOW_INSECURE_PLUGINS": nil,
            "DAGRON_PLUGIN_CACHE": cache ? nil : "0",
        ]
    }

    private func dagron(_ arguments: [String], home: TemporaryDirectory, cache: Bool = false) throws -> Command.Output {
        try BuildProducts.require(BuildProducts.dagron)
        return try Command.run(BuildProducts.dagron, arguments, environment: environment(home, cache: cache))
    }

    /// A plugin directory with a crashing factory between two good plugins, a text file and a shadowing copy.
    private func messyDirectory(_ root: TemporaryDirectory) throws -> String {
        let built = try Fixtures.require()
        let plugins = try root.subdirectory("plugins")
        try root.copy(built.swiftLibrary, to: "plugins/libFixtures.so")
        try root.copy(BuildProducts.eventRecorder, to: "plugins/libRecorderCopy.so")
        try root.write("not a library", to: "plugins/libnotes.so")
        try root.write(
            """
            crasher = "libFixtures.so:fixture_crash"
            counter = "libFixtures.so:fixture_counter"
            broken line
            """, to: "plugins/dagron.plugins")
        return plugins
    }

    @Test(
        "list: one crashing plugin does not hide the others; failures, shadowing and manifest errors are shown; exit 0")
    func listIsolatesCrashes() throws {
        let home = try TemporaryDirectory()
        let plugins = try messyDirectory(home)
        let output = try dagron(["plugins", "list", "--plugin-path", plugins], home: home)
        #expect(output.status == 0, "\(output.all)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("NAME") == true)
        #expect(lines.contains { $0.hasPrefix("crasher") && $0.contains("failed") })
        #expect(output.stdout.contains("crashed while loading (signal"))
        #expect(output.stdout.contains("fixture factory crashes on purpose"))
        #expect(lines.contains { $0.hasPrefix("counter") && $0.contains("2.0.0") && $0.contains(" loaded ") })
        #expect(lines.contains { $0.contains("loaded") && $0.hasSuffix(plugins + "/libRecorderCopy.so") })
        #expect(lines.contains { $0.contains("shadowed") && $0.hasSuffix("/libDagronEventRecorder.so") })
        #expect(output.stdout.contains("shadowed by \(plugins)/libRecorderCopy.so"))
        #expect(output.stdout.contains(plugins + "/libnotes.so"))
        #expect(output.stdout.contains("not an ELF file"))
        #expect(output.stderr.contains(plugins + "/dagron.plugins:3:"))
    }

    @Test("list --json: an array of objects with name, version, status, path, error, abi")
    func listJSON() throws {
        let home = try TemporaryDirectory()
        let plugins = try messyDirectory(home)
        let output = try dagron(["plugins", "list", "--json", "--plugin-path", plugins], home: home)
        #expect(output.status == 0, "\(output.all)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
        for row in rows {
            #expect(Set(row.keys) == ["name", "version", "status", "path", "error", "abi"])
        }
        let byPath = Dictionary(rows.map { ($0["path"] as! String, $0) }, uniquingKeysWith: { first, _ in first })
        let recorder = try #require(byPath[plugins + "/libRecorderCopy.so"])
        #expect(recorder["status"] as? String == "loaded")
        #expect(recorder["abi"] as? Int == 1)
        #expect(recorder["error"] is NSNull)
        let notes = try #require(byPath[plugins + "/libnotes.so"])
        #expect(notes["status"] as? String == "failed")
        #expect((notes["error"] as? String)?.contains("not an ELF file") == true)
        #expect(
            rows.contains {
                $0["name"] as? String == "crasher"
                    && ($0["error"] as? String)?.contains("crashed while loading") == true
            })
    }

    @Test("list: a refused file has status refused")
    func listRefused() throws {
        let home = try TemporaryDirectory()
        let plugins = try home.subdirectory("plugins")
        try home.copy(BuildProducts.eventRecorder, to: "plugins/libOpen.so", mode: 0o666)
        let output = try dagron(["plugins", "list", "--json", "--plugin-path", plugins], home: home)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
        let row = try #require(rows.first { $0["path"] as? String == plugins + "/libOpen.so" })
        #expect(row["status"] as? String == "refused")
        #expect((row["error"] as? String)?.contains("writable by group or others (mode 0666)") == true)

        let relaxed = try dagron(
            ["plugins", "list", "--json", "--allow-insecure-plugins", "--plugin-path", plugins], home: home)
        #expect(relaxed.stdout.contains("\"status\" : \"loaded\""))
    }

    @Test("list: the cache reuses results for unchanged files and re-probes changed ones")
    func listCache() throws {
        let home = try TemporaryDirectory()
        let plugins = try messyDirectory(home)
        let first = try dagron(["plugins", "list", "--plugin-path", plugins], home: home, cache: true)
        let cacheFile = home.path + "/cache/dagron/plugin-registry.json"
        #expect(FileManager.default.fileExists(atPath: cacheFile))
        let second = try dagron(["plugins", "list", "--plugin-path", plugins], home: home, cache: true)
        #expect(first.stdout == second.stdout)
        #expect(second.stdout.contains("crashed while loading"))
        // Replace the text file with a real plugin: the listing must notice.
        try home.copy(BuildProducts.eventRecorder, to: "plugins/libnotes.so")
        let third = try dagron(["plugins", "list", "--plugin-path", plugins], home: home, cache: true)
        #expect(!third.stdout.contains("not an ELF file"))
    }

    @Test("list: its shortcut past the full command parser keeps help and usage errors as before")
    func listArgumentsAsBefore() throws {
        let home = try TemporaryDirectory()
        let help = try dagron(["plugins", "list", "--help"], home: home)
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: dagron plugins list"), "\(help.all)")
        let wrong = try dagron(["plugins", "list", "--bogus"], home: home)
        #expect(wrong.status == 2, "usage errors exit 2 as documented: \(wrong.all)")
        #expect(wrong.stderr.contains("Unknown option '--bogus'"))
        let plugins = try home.subdirectory("empty-plugins")
        let json = try dagron(["plugins", "list", "--plugin-path", plugins, "--json"], home: home)
        #expect(json.status == 0)
        #expect(json.stdout.hasPrefix("["), "\(json.all)")
    }

    @Test("check: ok with name and version, the error otherwise, a crash reported; exit 1 if any failed")
    func check() throws {
        let built = try Fixtures.require()
        let home = try TemporaryDirectory()
        let good = try dagron(["plugins", "check", BuildProducts.eventRecorder], home: home)
        #expect(good.status == 0, "\(good.all)")
        #expect(good.stdout.contains("ok") && good.stdout.contains("event-recorder 1.0.0"))

        let text = try home.write("hello", to: "libtext.so")
        let arm = try home.copy(built.otherArchitecture, to: "libarm.so")
        let bad = try dagron(["plugins", "check", text, arm, BuildProducts.eventRecorder], home: home)
        #expect(bad.status == 1)
        #expect(bad.stdout.contains(text + ": not an ELF file"))
        #expect(bad.stdout.contains(arm + ": built for aarch64, this host is x86_64"))
        #expect(bad.stdout.contains("event-recorder 1.0.0"))

        let crash = try dagron(
            ["plugins", "check", built.swiftLibrary + ":fixture_crash", BuildProducts.eventRecorder], home: home)
        #expect(crash.status == 1)
        #expect(crash.stdout.contains(built.swiftLibrary + ": crashed while loading (signal"))
        #expect(crash.stdout.contains("event-recorder 1.0.0"), "the crash must not hide the next file")
    }

    @Test("info: details and the events a plugin hooks; settings with --set; unknown names fail")
    func info() throws {
        let home = try TemporaryDirectory()
        let plugins = try messyDirectory(home)
        let counter = try dagron(["plugins", "info", "counter", "--plugin-path", plugins], home: home)
        #expect(counter.status == 0, "\(counter.all)")
        #expect(counter.stdout.contains("version:  2.0.0"))
        #expect(counter.stdout.contains("hooks:    post_node (priority 0), pre_node (priority 0)"), "\(counter.stdout)")
        #expect(counter.stdout.contains("declared: \(plugins)/dagron.plugins:2"))

        let recorder = try dagron(
            ["plugins", "info", "event-recorder", "--set", "file=\(home.path)/e.jsonl"], home: home)
        #expect(recorder.status == 0, "\(recorder.all)")
        #expect(
            recorder.stdout.contains(
                "hooks:    gate_resolved (priority 0), gate_waiting (priority 0), node_skipped (priority 0), on_error (priority 0)"
            ),
            "\(recorder.stdout)")

        let unconfigured = try dagron(["plugins", "info", "event-recorder"], home: home)
        #expect(unconfigured.stdout.contains("missing setting 'file'"))

        let unknown = try dagron(["plugins", "info", "no-such-plugin"], home: home)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no plugin named 'no-such-plugin'"))
    }
}
