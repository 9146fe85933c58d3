@_spi(DagronHost) import DagronSDK
import Foundation
import NIOCore
import NIOPosix
import TestSupport
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

    @Test(
        "malformed values are refused with what was expected",
        arguments: [
            ("port", "eighty"), ("port", "70000"), ("port", "-1"), ("open_browser", "maybe"), ("host", " "),
            ("url_file", ""),
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

    /// Numbers that overflow, trap a careless conversion, or sit just past a range.
    static let hostileNumbers = ["1e300", "1e10", "-1", "nan", "inf", "9223372036854775807", "1e-12", "65536", "99999"]

    @Test(
        "every numeric setting refuses hostile numbers with an error naming the key",
        arguments: ["port", "max_connections", "idle_timeout"].flatMap { key in hostileNumbers.map { (key, $0) } })
    func hostileNumber(key: String, value: String) throws {
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        do {
            try plugin.configure(PluginSettings(plugin: "dashboard", [key: value]))
            Issue.record("\(key)=\(value) was accepted")
        } catch let error as PluginSettingsError {
            guard case .malformed(let plugin, let badKey, let given, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(plugin == "dashboard")
            #expect(badKey == key)
            #expect(given == value)
        }
    }

    @Test(
        "durations and counts in range are accepted",
        arguments: [
            ("idle_timeout", "15"), ("idle_timeout", "1s"), ("idle_timeout", "1.5s"), ("idle_timeout", "1500ms"),
            ("idle_timeout", "2m"), ("idle_timeout", "1h"), ("max_connections", "1"), ("max_connections", "10000"),
            ("port", "65535"),
        ])
    func inRange(key: String, value: String) throws {
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        try plugin.configure(PluginSettings(plugin: "dashboard", [key: value]))
    }

    @Test(
        "durations and counts just out of range are refused",
        arguments: [
            ("idle_timeout", "999ms"), ("idle_timeout", "0.5"), ("idle_timeout", "61m"), ("idle_timeout", "0"),
            ("idle_timeout", "5."), ("idle_timeout", ".5s"), ("idle_timeout", "1.2.3s"), ("idle_timeout", "10 s"),
            ("idle_timeout", "1d"), ("idle_timeout", "+5s"), ("idle_timeout", "\u{0665}s"), ("idle_timeout", ""),
            ("max_connections", "0"), ("max_connections", "10001"), ("max_connections", "2.5"), ("max_connections", ""),
        ])
    func outOfRange(key: String, value: String) throws {
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        #expect(throws: PluginSettingsError.self, "\(key)=\(value)") {
            try plugin.configure(PluginSettings(plugin: "dashboard", [key: value]))
        }
    }

    @Test("valid settings are accepted")
    func valid() throws {
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        try plugin.configure(
            PluginSettings(
                plugin: "dashboard",
                [
                    "host": "127.0.0.1", "port": "0", "open_browser": "false", "max_connections": "300",
                    "idle_timeout": "20s",
                ]))
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

    @Test("a port in use fails initialize saying so and how to get a free port")
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
            #expect(
                String(describing: error) == "port \(port) is in use: pass --set dashboard.port=0 for a free port",
                "\(error)")
        }
        #expect(hooks.hookCount() == 0, "no hooks left behind by a failed initialize")
        plugin.teardown()
    }

    @Test("url_file is written with mode 0600, also over a file that was readable by all")
    func urlFileIsPrivate() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/url"
        try "old\n".write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o666)
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        try plugin.configure(PluginSettings(plugin: "dashboard", ["port": "0", "url_file": file]))
        try plugin.initialize(hooks: HookRegistry())
        defer { plugin.teardown() }
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("http://127.0.0.1:") && text.contains("/?token=") && text.hasSuffix("\n"), "\(text)")
    }

    @Test(
        "a url_file that is a symbolic link, or not a regular file, fails initialize and is left alone",
        arguments: ["link", "directory"])
    func urlFileNotARegularFile(kind: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let target = folder + "/target"
        try "kept\n".write(toFile: target, atomically: false, encoding: .utf8)
        let file = folder + "/url"
        if kind == "link" {
            try FileManager.default.createSymbolicLink(atPath: file, withDestinationPath: target)
        } else {
            try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: false)
        }
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        if kind == "directory" {
            // A folder is refused in configure, where validate sees it.
            #expect {
                try plugin.configure(PluginSettings(plugin: "dashboard", ["port": "0", "url_file": file]))
            } throws: { error in
                String(describing: error).contains("setting 'url_file'")
                    && String(describing: error).contains("a file, not a folder")
            }
        } else {
            try plugin.configure(PluginSettings(plugin: "dashboard", ["port": "0", "url_file": file]))
            #expect {
                try plugin.initialize(hooks: HookRegistry())
            } throws: { error in
                String(describing: error).contains("url_file '\(file)'")
            }
            plugin.teardown()
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "kept\n")
    }

    /// A fresh folder of the test's own.
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dagron-dashboard-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    @Test("an unwritable url_file fails initialize and leaves the port free")
    func unwritableURLFile() throws {
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        // A folder that does not exist is refused in configure, naming the key.
        #expect {
            try plugin.configure(
                PluginSettings(plugin: "dashboard", ["port": "0", "url_file": "/nonexistent-dir/url"]))
        } throws: { error in
            String(describing: error).contains("'url_file'") && String(describing: error).contains("/nonexistent-dir")
        }
        // A folder that is gone by the time the page is served passes
        // configure, and fails when written.
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try plugin.configure(PluginSettings(plugin: "dashboard", ["port": "0", "url_file": folder + "/url"]))
        try FileManager.default.removeItem(atPath: folder)
        #expect {
            try plugin.initialize(hooks: HookRegistry())
        } throws: { error in
            String(describing: error).contains(folder + "/url")
        }
        plugin.teardown()
    }
}
