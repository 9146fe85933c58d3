@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

/// Broken and working plugin files, made by the tests with gcc and swiftc.
/// Built once per test process into one directory; tests copy what they need
/// into directories of their own.
enum Fixtures {
    /// A Swift library exporting several factories (so one `swiftc` run serves every Swift fixture):
    /// - `dagron_plugin_create`: the plugin `throwing`, whose `initialize` registers a hook, then throws;
    /// - `fixture_wrong_type`: returns an object that is not a `DagronPluginBox`;
    /// - `fixture_crash`: calls `fatalError`;
    /// - `fixture_counter`: the plugin `counter`, which works.
    static let swiftSource = #"""
        import DagronSDK

        final class ThrowingPlugin: DagronPlugin {
            let name = "throwing"
            let version = "0.1.0"
            struct Refusal: Error, CustomStringConvertible {
                var description: String { "the fixture refuses to start" }
            }
            func initialize(hooks: HookRegistry) throws {
                hooks.register(.preNode) { _ in }
                throw Refusal()
            }
        }

        final class CounterPlugin: DagronPlugin {
            let name = "counter"
            let version = "2.0.0"
            func initialize(hooks: HookRegistry) throws {
                hooks.register(.preNode) { _ in }
                hooks.register(.postNode) { _ in }
            }
        }

        final class NotAPlugin {}

        @_cdecl("dagron_plugin_abi_version")
        public func fixtureABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

        @_cdecl("dagron_plugin_create")
        public func fixtureCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(ThrowingPlugin()) }

        @_cdecl("fixture_counter")
        public func fixtureCounter() -> UnsafeMutableRawPointer { DagronPluginBox.export(CounterPlugin()) }

        @_cdecl("fixture_wrong_type")
        public func fixtureWrongType() -> UnsafeMutableRawPointer { Unmanaged.passRetained(NotAPlugin()).toOpaque() }

        @_cdecl("fixture_crash")
        public func fixtureCrash() -> UnsafeMutableRawPointer { fatalError("fixture factory crashes on purpose") }
        """#

    /// C sources for the gcc fixtures.
    static let cSources: [String: String] = [
        // An ordinary library: no plugin symbols at all.
        "nosymbols": "int fixture_answer(void) { return 42; }\n",
        // A plugin from the future: ABI 99.
        "abi99": """
        #include <stdint.h>
        uint32_t dagron_plugin_abi_version(void) { return 99; }
        void *dagron_plugin_create(void) { return 0; }
        """,
        // Built against a "newer SDK": needs a DagronSDK symbol this SDK lacks.
        "newersdk": """
        #include <stdint.h>
        extern void $s9DagronSDK13FutureFeatureyyF(void);
        uint32_t dagron_plugin_abi_version(void) { return 1; }
        void *dagron_plugin_create(void) { $s9DagronSDK13FutureFeatureyyF(); return 0; }
        """,
        // A factory that never returns.
        "hang": """
        #include <stdint.h>
        #include <unistd.h>
        uint32_t dagron_plugin_abi_version(void) { return 1; }
        void *dagron_plugin_create(void) { for (;;) pause(); }
        """,
        // A factory that ends the process.
        "exits": """
        #include <stdint.h>
        #include <stdlib.h>
        uint32_t dagron_plugin_abi_version(void) { return 1; }
        void *dagron_plugin_create(void) { exit(3); }
        """,
    ]

    struct Built: Sendable {
        let directory: String
        /// The Swift library (see ``swiftSource``).
        var swiftLibrary: String { directory + "/libFixtures.so" }
        /// `gcc -shared` outputs, by name of ``cSources``.
        func cLibrary(_ name: String) -> String { directory + "/lib\(name).so" }
        /// A `gcc -c` object file (ELF for this machine, not a shared library).
        var objectFile: String { directory + "/object.o" }
        /// A copy of the event recorder with `e_machine` patched to AArch64.
        var otherArchitecture: String { directory + "/libAarch64Recorder.so" }
    }

    /// Builds every fixture once; the result is shared by all tests.
    static let built: Result<Built, FixtureError> = {
        do { return .success(try build()) } catch let error as FixtureError { return .failure(error) } catch {
            return .failure(FixtureError(message: "\(error)"))
        }
    }()

    /// The built fixtures, or a test failure explaining what did not build.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> Built {
        try BuildProducts.require(BuildProducts.eventRecorder, sourceLocation: sourceLocation)
        switch built {
        case .success(let built): return built
        case .failure(let error): throw error
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    private static let directoryPath = (NSTemporaryDirectory() + "/dagron-fixtures-\(getpid())" as NSString)
        .standardizingPath

    private static func build() throws -> Built {
        let directory = directoryPath
        try? FileManager.default.removeItem(atPath: directory)
        atexit { try? FileManager.default.removeItem(atPath: Fixtures.directoryPath) }
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let built = Built(directory: directory)
        let gcc = try Command.tool("gcc")
        for (name, source) in cSources {
            let file = directory + "/\(name).c"
            try source.write(toFile: file, atomically: true, encoding: .utf8)
            try check(Command.run(gcc, ["-shared", "-fPIC", "-o", built.cLibrary(name), file]), "gcc \(name).c")
        }
        try check(Command.run(gcc, ["-c", "-fPIC", "-o", built.objectFile, directory + "/nosymbols.c"]), "gcc -c")

        var recorder = try Data(contentsOf: URL(fileURLWithPath: BuildProducts.eventRecorder))
        recorder[18] = 183  // e_machine = EM_AARCH64 (little-endian u16 at offset 18)
        recorder[19] = 0
        try recorder.write(to: URL(fileURLWithPath: built.otherArchitecture))
        chmod(built.otherArchitecture, 0o755)

        let source = directory + "/Fixtures.swift"
        try swiftSource.write(toFile: source, atomically: true, encoding: .utf8)
        try check(
            Command.run(
                try Command.tool("swiftc"),
                [
                    "-emit-library", "-module-name", "Fixtures", "-parse-as-library",
                    "-I", BuildProducts.sdkModuleDirectory, "-L", BuildProducts.directory, "-lDagronSDK",
                    source, "-o", built.swiftLibrary,
                ], directory: directory), "swiftc Fixtures.swift")
        return built
    }

    private static func check(_ output: Command.Output, _ what: String) throws {
        guard output.status == 0 else {
            throw FixtureError(message: "\(what) failed (\(output.status)):\n\(output.all)")
        }
    }
}
