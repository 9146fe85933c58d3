import Foundation
import Testing

/// Old plugins keep working: the SDK's ABI baseline (`SDK/api/DagronSDK.abi.json`,
/// checked by `scripts/api-check.sh`) was set at some commit; a plugin built
/// against the SDK as it was at that commit must load and run with today's host.
@Suite("A plugin built against the SDK at the ABI baseline's commit")
struct OldPluginCompatibilityTests {
    private static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test("builds against that SDK's interface and loads, configures and runs with today's host")
    func baselinePluginStillWorks() throws {
        try BuildProducts.require(BuildProducts.dagron)
        let git = try Command.tool("git")
        let swift = try Command.tool("swift")
        let swiftc = try Command.tool("swiftc")
        let work = try TemporaryDirectory("dagron-old-plugin")

        // The commit that last wrote the baseline. A checkout without history
        // cannot run this test: say so rather than skip.
        let log = try Command.run(
            git, ["log", "-1", "--format=%H", "--", "SDK/api/DagronSDK.abi.json"], directory: Self.repository)
        let commit = log.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(
            log.status == 0 && commit.count == 40,
            "no commit of SDK/api/DagronSDK.abi.json in this checkout's history (a clone with history is needed): \(log.all)"
        )

        // The SDK and the template plugin as they were then (git archive: the
        // same tree a worktree of that commit would hold, without touching the
        // repository's worktree list).
        let old = try work.subdirectory("old")
        let archive = try Command.run(
            "/bin/sh",
            [
                "-c", "\"$0\" archive \"$1\" SDK examples/third-party-plugin | tar -x -C \"$2\"",
                git, commit, old,
            ], directory: Self.repository)
        #expect(archive.status == 0, "\(archive.all)")
        let build = try Command.run(swift, ["build", "--package-path", old + "/SDK"], directory: old)
        #expect(build.status == 0, "\(build.all)")
        let bin = try Command.run(swift, ["build", "--package-path", old + "/SDK", "--show-bin-path"], directory: old)
        let oldBin = bin.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // Against the old textual interface only, as a third party would.
        let interface = try work.subdirectory("interface")
        try FileManager.default.copyItem(
            atPath: oldBin + "/Modules/DagronSDK.swiftinterface", toPath: interface + "/DagronSDK.swiftinterface")
        let plugins = try work.subdirectory("plugins")
        let compile = try Command.run(
            swiftc,
            [
                "-emit-library", "-module-name", "NodeStats", "-parse-as-library",
                "-I", interface, "-L", oldBin, "-lDagronSDK", "-module-cache-path", work.path + "/module-cache",
                old + "/examples/third-party-plugin/Sources/NodeStats/NodeStatsPlugin.swift",
                "-o", plugins + "/libNodeStats.so",
            ], directory: work.path)
        #expect(compile.status == 0, "\(compile.all)")
        chmod(plugins + "/libNodeStats.so", 0o644)

        // Today's host: the checker in a child process, then a run in this one
        // (whose libDagronSDK.so is today's: the plugin binds to it).
        let check = try Command.run(
            BuildProducts.dagron, ["plugins", "check", plugins + "/libNodeStats.so"],
            environment: [
                "HOME": work.path, "XDG_DATA_HOME": nil, "XDG_CACHE_HOME": nil, "DAGRON_PLUGIN_CACHE": "0",
            ])
        #expect(check.status == 0, "\(check.all)")
        try NodeStatsRun.loadAndRun(pluginDirectory: plugins, work: work)
    }
}
