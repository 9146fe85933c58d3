import Foundation
import Testing

/// `scripts/install.sh` into a temporary prefix: a release build (slow the
/// first time: several minutes; it uses its own scratch directory,
/// `.build-install`, because `swift test` holds the lock on `.build`).
@Suite("scripts/install.sh")
struct InstallTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test(
        "installs the host, SDK, bundled plugins and manifest; dagron finds them from any directory; plugins build against the installed SDK",
        .timeLimit(.minutes(40)))
    func installIntoTemporaryPrefix() throws {
        let prefix = try TemporaryDirectory("dagron-prefix")
        let install = try Command.run(
            "/bin/bash",
            [
                Self.root + "/scripts/install.sh", "--prefix", prefix.path,
                "--scratch-path", Self.root + "/.build-install",
            ])
        #expect(install.status == 0, "\(install.all.suffix(3000))")
        let p = prefix.path
        for file in [
            "bin/dagron", "lib/libDagronSDK.so", "lib/dagron/plugins/libDagronEventRecorder.so",
            "lib/dagron/plugins/libDagronNetworking.so",
            "lib/dagron/plugins/dagron.plugins", "lib/dagron/sdk/DagronSDK.swiftinterface",
        ] {
            #expect(FileManager.default.fileExists(atPath: p + "/" + file), "\(file) was not installed")
        }
        // The manual, generated from the command tree, and the three shells' completions.
        let page = try String(contentsOfFile: p + "/share/man/man1/dagron.1", encoding: .utf8)
        #expect(page.contains(".Dt DAGRON 1"), "\(page.prefix(300))")
        for command in ["validate", "gate", "plugins", "config", "runs", "prune", "older-than"] {
            #expect(page.contains(command), "the manual does not mention \(command)")
        }
        for (file, call) in [
            ("share/bash-completion/completions/dagron", "---completion run -- --plugin"),
            ("share/zsh/site-functions/_dagron", "---completion run -- --set"),
            ("share/fish/vendor_completions.d/dagron.fish", "---completion gate approve -- positional@1"),
        ] {
            let script = try String(contentsOfFile: p + "/" + file, encoding: .utf8)
            #expect(script.contains(call), "\(file) lacks dynamic completion")
        }
        #expect(install.stdout.contains("   plugin timing (libDagronTiming.so)"), "\(install.stdout.suffix(2000))")
        let manifest = try String(contentsOfFile: p + "/lib/dagron/plugins/dagron.plugins", encoding: .utf8)
        #expect(manifest.contains("event-recorder = \"libDagronEventRecorder.so:dagron_plugin_create\""))
        let dynamic = try Command.run(try Command.tool("readelf"), ["-d", p + "/bin/dagron"]).stdout
        #expect(dynamic.contains("$ORIGIN/../lib"))

        // From another directory, with a clean user environment: the bundled plugin is found.
        let home = try TemporaryDirectory("dagron-home")
        let env: [String: String?] = [
            "HOME": home.path, "XDG_DATA_HOME": nil, "XDG_CACHE_HOME": nil,
            "DAGRON_PLUGIN_PATH": nil, "LD_LIBRARY_PATH": nil,
        ]
        let list = try Command.run(p + "/bin/dagron", ["plugins", "list", "--json"], environment: env, directory: "/")
        #expect(list.status == 0, "\(list.all)")
        #expect(list.stdout.contains("\"path\" : \"\(p)/lib/dagron/plugins/libDagronEventRecorder.so\""))
        #expect(list.stdout.contains("\"status\" : \"loaded\""))
        // The networking plugins load their shared library from beside them; it is not a plugin.
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        for name in ["prometheus-text", "slack-webhook", "dashboard"] {
            #expect(
                rows.first { $0["name"] as? String == name }?["status"] as? String == "loaded",
                "\(name): \(list.stdout)")
        }
        #expect(!list.stdout.contains("libDagronNetworking.so"), "\(list.stdout)")

        // The template builds against the installed SDK and checks ok with the installed host.
        let flags = try Command.run(p + "/bin/dagron", ["sdk", "--swiftc-flags"], environment: env).stdout
        #expect(
            flags.trimmingCharacters(in: .whitespacesAndNewlines) == "-I \(p)/lib/dagron/sdk -L \(p)/lib -lDagronSDK")
        let library = home.path + "/libNodeStats.so"
        let swiftc = try Command.run(
            try Command.tool("swiftc"),
            [
                "-emit-library", "-parse-as-library", "-module-name", "NodeStats", "-module-cache-path",
                home.path + "/mc",
            ] + flags.split(whereSeparator: \.isWhitespace).map(String.init) + [
                ThirdPartyPluginTests.templateSource, "-o", library,
            ], directory: home.path)
        #expect(swiftc.status == 0, "\(swiftc.all)")
        let check = try Command.run(p + "/bin/dagron", ["plugins", "check", library], environment: env)
        #expect(check.status == 0, "\(check.all)")
        #expect(check.stdout.contains("node-stats 1.0.0"))
    }
}
