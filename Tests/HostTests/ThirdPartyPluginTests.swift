import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

/// A plugin author's path, end to end: the template's source, built in a
/// directory outside this package with the swiftc one-liner against the SDK's
/// textual interface, dropped into a plugin directory, found by name, run.
@Suite("A third-party plugin built from examples/third-party-plugin")
struct ThirdPartyPluginTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let templateSource =
        repository
        .appendingPathComponent("examples/third-party-plugin/Sources/NodeStats/NodeStatsPlugin.swift").path

    @Test(
        "builds outside the package against DagronSDK.swiftinterface, loads through the search path, and its hooks fire"
    )
    func buildLoadAndRun() throws {
        try BuildProducts.require(BuildProducts.dagron)
        let work = try TemporaryDirectory("dagron-third-party")
        let source = try work.copy(Self.templateSource, to: "NodeStatsPlugin.swift", mode: 0o644)

        // `dagron sdk --swiftc-flags` tells the author where the SDK is.
        let flagsOutput = try Command.run(BuildProducts.dagron, ["sdk", "--swiftc-flags"])
        #expect(flagsOutput.status == 0, "\(flagsOutput.all)")
        let flags = flagsOutput.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(flags.contains("-lDagronSDK"))
        let libraryDirectory = try #require(flags.firstIndex(of: "-L").map { flags[$0 + 1] })

        // Build against the textual interface only (no binary module), as a
        // third party with another copy of the same compiler would.
        let sdk = try work.subdirectory("sdk")
        let moduleDirectory = try #require(flags.firstIndex(of: "-I").map { flags[$0 + 1] })
        try work.copy(moduleDirectory + "/DagronSDK.swiftinterface", to: "sdk/DagronSDK.swiftinterface", mode: 0o644)
        let plugins = try work.subdirectory("plugins")
        let library = plugins + "/libNodeStats.so"
        let swiftc = try Command.run(
            try Command.tool("swiftc"),
            [
                "-emit-library", "-module-name", "NodeStats", "-parse-as-library",
                "-I", sdk, "-L", libraryDirectory, "-lDagronSDK", "-module-cache-path", work.path + "/module-cache",
                source, "-o", library,
            ], directory: work.path)
        #expect(swiftc.status == 0, "\(swiftc.all)")

        try NodeStatsRun.loadAndRun(pluginDirectory: plugins, work: work)

        // And `dagron plugins list` shows it.
        let list = try Command.run(
            BuildProducts.dagron, ["plugins", "list", "--json"],
            environment: [
                "DAGRON_PLUGIN_PATH": plugins, "HOME": work.path, "XDG_DATA_HOME": nil, "XDG_CACHE_HOME": nil,
                "DAGRON_PLUGIN_CACHE": "0",
            ])
        #expect(list.status == 0)
        #expect(list.stdout.contains("\"name\" : \"node-stats\""))
        #expect(list.stdout.contains("\"path\" : \"\(library)\""))
    }

    @Test("the SDK published as a git repository with a tag: a plugin depends on it by URL and version")
    func dependsOnPublishedSDK() throws {
        try BuildProducts.require(BuildProducts.dagron)
        let work = try TemporaryDirectory("dagron-sdk-url")
        let git = try Command.tool("git")
        let swift = try Command.tool("swift")

        // SDK/ as its own repository, tagged 1.0.0, as it would be published.
        let published = try work.subdirectory("SDK")
        try FileManager.default.copyItem(
            atPath: Self.repository.appendingPathComponent("SDK/Package.swift").path,
            toPath: published + "/Package.swift")
        try FileManager.default.copyItem(
            atPath: Self.repository.appendingPathComponent("SDK/Sources").path, toPath: published + "/Sources")
        for arguments in [
            ["init", "-q"], ["add", "-A"],
            ["-c", "user.name=dagron", "-c", "user.email=dagron@localhost", "commit", "-qm", "DagronSDK 1.0.0"],
            ["tag", "1.0.0"],
        ] {
            let step = try Command.run(git, arguments, directory: published)
            #expect(step.status == 0, "git \(arguments.joined(separator: " ")): \(step.all)")
        }

        // The template's package, its path dependency swapped for the URL
        // line its comment shows.
        let template = Self.repository.appendingPathComponent("examples/third-party-plugin").path
        let manifest = try String(contentsOfFile: template + "/Package.swift", encoding: .utf8)
        let pathDependency = ".package(path: \"../../SDK\")"
        #expect(manifest.contains(pathDependency), "the template no longer depends on ../../SDK by path")
        #expect(manifest.contains(".package(url: "), "the template no longer shows the URL form")
        let plugin = try work.subdirectory("plugin")
        try manifest.replacingOccurrences(
            of: pathDependency, with: ".package(url: \"file://\(published)\", from: \"1.0.0\")"
        )
        .write(toFile: plugin + "/Package.swift", atomically: true, encoding: .utf8)
        for folder in ["Sources", "Tests"] {
            try FileManager.default.copyItem(atPath: template + "/" + folder, toPath: plugin + "/" + folder)
        }

        let build = try Command.run(swift, ["build", "--product", "NodeStats"], directory: plugin)
        #expect(build.status == 0, "\(build.all)")
        let resolved = (try? String(contentsOfFile: plugin + "/Package.resolved", encoding: .utf8)) ?? ""
        #expect(resolved.contains("\"version\" : \"1.0.0\""), "not resolved by version: \(resolved)")
        let built = plugin + "/.build/debug/libNodeStats.so"
        let needed = try Command.run(try Command.tool("readelf"), ["-d", built])
        #expect(needed.stdout.contains("[libDagronSDK.so]"), "the plugin must link the shared SDK: \(needed.all)")

        // Today's host loads it (the SDK it was built against is this one, by tag).
        let plugins = try work.subdirectory("plugins")
        try work.copy(built, to: "plugins/libNodeStats.so", mode: 0o644)
        try NodeStatsRun.loadAndRun(pluginDirectory: plugins, work: work)
    }
}
