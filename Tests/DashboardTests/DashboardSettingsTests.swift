import TestSupport
import DagronSDK
import Foundation
import NIOCore
import NIOPosix
import Testing

/// Settings and start-up failures of the dashboard plugin (loaded from its `.so`).
@Suite("Dashboard settings", .serialized)
struct DashboardSettingsTests {
    @Test("unknown keys are refused, naming the plugin and the key")
    func unknownKey() throws {
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        #expect(throws: PluginSettingsError.unknownKeys(plugin: "dashboard", keys: ["prot"])) {
            try plugin.configure(PluginSettings(plugin: "dashboard", ["prot": "8080"]))
        }
    }

    @Test("malformed values are refused with what was expected", arguments: [
        ("port", "eighty"), ("port", "70000"), ("port", "-1"), ("open_browser", "maybe"), ("host", " "), ("url_file", ""),
    ])
    func malformed(key: String, value: String) throws {
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        do {
            try plugin.configure(PluginSettings(plugin: "dashboard", [key: value]))
            Issue.record("\(key)=\(value) was accepted")
        } catch let error as PluginSettingsError {
            guard case .malformed(let plugin, let badKey, _, let expected) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(plugin == "dashboard")
            #expect(badKey == key)
            #expect(!expected.isEmpty)
            #expect(error.description.contains("'\(key)'"))
        }
    }

    @Test("valid settings are accepted")
    func valid() throws {
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        try plugin.configure(PluginSettings(plugin: "dashboard", ["host": "127.0.0.1", "port": "0", "open_browser": "false"]))
        try plugin.configure(PluginSettings(plugin: "dashboard"))
        plugin.teardown()  // never initialized: harmless
    }

    @Test("open_browser without a display is harmless")
    func openBrowserWithoutDisplay() async throws {
        // Headless here anyway; make sure (nothing in these tests needs a display).
        unsetenv("DISPLAY")
        unsetenv("WAYLAND_DISPLAY")
        let session = try DashboardSession(settings: ["open_browser": "true"])
        #expect(try await session.request("/").status == 200)
        try await session.close()
    }

    @Test("a port in use fails initialize with the address in the message")
    func portInUse() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let holder = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? holder.close().wait() }
        let port = try #require(holder.localAddress?.port)
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        try plugin.configure(PluginSettings(plugin: "dashboard", ["port": String(port)]))
        let hooks = HookRegistry()
        do {
            try plugin.initialize(hooks: hooks)
            plugin.teardown()
            Issue.record("initialize succeeded on a port in use")
        } catch {
            #expect(String(describing: error).contains("127.0.0.1:\(port)"), "\(error)")
        }
        #expect(hooks.hookCount() == 0, "no hooks left behind by a failed initialize")
        plugin.teardown()
    }

    @Test("an unwritable url_file fails initialize and leaves the port free")
    func unwritableURLFile() throws {
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        try plugin.configure(PluginSettings(plugin: "dashboard", ["port": "0", "url_file": "/nonexistent-dir/url"]))
        #expect {
            try plugin.initialize(hooks: HookRegistry())
        } throws: { error in
            String(describing: error).contains("/nonexistent-dir/url")
        }
        plugin.teardown()
    }
}
