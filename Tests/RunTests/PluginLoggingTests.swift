@_spi(DagronHost) import DagronSDK
import Foundation
import TestSupport
import Testing

/// A plugin's log records reach the host's swift-log output through ``HostLog``.
@Suite struct PluginLoggingTests {
    private static let source = """
        import DagronSDK

        final class LoggingProbe: DagronPlugin {
            let name = "logging-probe"
            func initialize(hooks: HookRegistry) throws {
                HostLog.emit(LogRecord(level: .info, label: "plugin.logging-probe", message: "probe initialized",
                                       metadata: ["nodes": "unknown"]))
                hooks.register(.postNode) { context in
                    HostLog.emit(LogRecord(level: .warning, label: "plugin.logging-probe",
                                           message: "node \\(context.nodeName ?? "?") finished"))
                }
            }
        }

        @_cdecl("dagron_plugin_abi_version")
        public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

        @_cdecl("dagron_plugin_create")
        public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(LoggingProbe()) }
        """

    /// Builds the probe plugin into a fresh directory with swiftc, against the built SDK.
    private func buildProbe(in scratch: Scratch) throws -> String {
        let pluginDirectory = scratch.path + "/plugins"
        try FileManager.default.createDirectory(
            atPath: pluginDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let file = try scratch.write("LoggingProbe.swift", Self.source)
        let modules =
            [DagronBinary.directory + "/Modules", DagronBinary.directory]
            .first { FileManager.default.fileExists(atPath: $0 + "/DagronSDK.swiftmodule") } ?? DagronBinary.directory
        let swiftc = Process()
        swiftc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        swiftc.arguments = [
            "swiftc", "-emit-library", "-module-name", "LoggingProbe", "-parse-as-library",
            "-I", modules, "-L", DagronBinary.directory, "-lDagronSDK",
            file, "-o", pluginDirectory + "/libLoggingProbe.so",
        ]
        swiftc.standardInput = FileHandle.nullDevice
        try swiftc.run()
        swiftc.waitUntilExit()
        try #require(swiftc.terminationStatus == 0, "swiftc failed to build the probe plugin")
        return pluginDirectory
    }

    @Test func pluginRecordsGoToTheHostLogAtTheChosenLevel() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try DagronBinary.require()
        let plugins = try buildProbe(in: scratch)
        try scratch.write("p.yml", "nodes:\n  a: {run: echo a}\n")
        let arguments = ["run", "p.yml", "--plugin", "logging-probe", "--plugin-path", plugins]
        let verbose = try dagron(
            arguments + ["--run-dir", "run1"], in: scratch.path, environment: ["DAGRON_LOG_LEVEL": "info"])
        #expect(verbose.status == 0, "\(verbose.stderr)")
        #expect(verbose.stderr.contains("info plugin.logging-probe: nodes=unknown"))
        #expect(verbose.stderr.contains("probe initialized"))
        #expect(verbose.stderr.contains("node a finished"))

        let quiet = try dagron(arguments + ["--run-dir", "run2"], in: scratch.path)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("probe initialized"), "info is below the default level")
        #expect(quiet.stderr.contains("warning plugin.logging-probe"))
        #expect(quiet.stderr.contains("node a finished"))

        // A level that is none is named, first, and the default applies.
        let bogus = try dagron(
            arguments + ["--run-dir", "run3"], in: scratch.path, environment: ["DAGRON_LOG_LEVEL": "verbose"])
        #expect(bogus.status == 0, "\(bogus.stderr)")
        #expect(
            bogus.stderr.hasPrefix(
                "dagron: warning: DAGRON_LOG_LEVEL is 'verbose', not a level (trace, debug, info, notice, warning, error, critical): using warning\n"
            ), "\(bogus.stderr)")
        #expect(!bogus.stderr.contains("probe initialized") && bogus.stderr.contains("warning plugin.logging-probe"))
    }
}
