import Foundation
import TestSupport
import Testing

/// A Swift plugin, `schemad`, that declares a settings schema and appends a
/// line to the file `$SCHEMAD_LOAD_LOG` whenever its factory runs (that is,
/// whenever a process loads it): a test can tell whether dagron ran its code.
///
/// | Setting | Kind |
/// |---|---|
/// | `port` | integer from 1 to 100, default 10 |
/// | `mode` | one of fast, slow, default fast |
/// | `pin` | integer from 0 to 9999, secret |
/// | `token_count` | integer from 0 to 10 (not secret, whatever its name suggests) |
enum SchemaPlugin {
    /// The plugin's name.
    static let name = "schemad"

    static let source = #"""
        import DagronSDK
        #if canImport(Glibc)
        import Glibc
        #endif

        final class SchemaPlugin: DagronPlugin {
            let name = "schemad"
            let version = "1.0.0"
            var settingsSchema: PluginSettingsSchema {
                [
                    PluginSetting("port", .integer(IntegerBounds(1...100)), default: "10", help: "A port-like number."),
                    PluginSetting("mode", .choice(["fast", "slow"]), default: "fast", help: "How fast."),
                    PluginSetting("pin", .integer(IntegerBounds(0...9999)), secret: true, help: "A secret number."),
                    PluginSetting("token_count", .integer(IntegerBounds(0...10)), help: "Not a secret."),
                ]
            }
            func initialize(hooks: HookRegistry) throws {}
        }

        @_cdecl("dagron_plugin_abi_version")
        public func fixtureABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

        @_cdecl("dagron_plugin_create")
        public func fixtureCreate() -> UnsafeMutableRawPointer {
            if let log = getenv("SCHEMAD_LOAD_LOG"), let file = fopen(log, "a") {
                fputs("loaded by \(getpid())\n", file)
                fclose(file)
            }
            return DagronPluginBox.export(SchemaPlugin())
        }
        """#

    private static let built = PluginFixtures.buildOnce(source, named: "libschemad.so", label: "schemad")

    /// The folder holding the built plugin, for `--plugin-path` (absolute; built on first use).
    static func directory() throws -> String {
        try built.get()
    }
}
