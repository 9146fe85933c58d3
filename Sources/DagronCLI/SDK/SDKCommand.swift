import ArgumentParser
import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation

/// `dagron sdk`: where the DagronSDK module and library are, for plugin authors.
struct SDKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdk",
        abstract: "Show where DagronSDK is installed, for building plugins against it.",
        discussion: """
            Build a plugin outside this repository with:
              swiftc -emit-library -module-name MyPlugin $(dagron sdk --swiftc-flags) MyPlugin.swift -o libMyPlugin.so
            """
    )

    @Flag(help: "Print only the swiftc flags: -I <module dir> -L <library dir> -lDagronSDK.")
    var swiftcFlags = false

    func run() throws {
        guard let location = SDKLocation.find() else {
            throw ValidationError(
                "cannot find DagronSDK next to \(PluginSearchPath.currentExecutablePath() ?? "dagron"): expected lib/dagron/sdk/DagronSDK.swiftinterface (installed) or Modules/DagronSDK.swiftmodule (build tree)"
            )
        }
        if swiftcFlags {
            print(location.swiftcFlags.joined(separator: " "))
        } else {
            print(
                """
                DagronSDK \(DagronPluginABI.sdkVersion) (plugin ABI \(DagronPluginABI.runtimeVersion))
                module:  \(location.moduleDirectory)
                library: \(location.libraryDirectory)/libDagronSDK.so
                flags:   \(location.swiftcFlags.joined(separator: " "))
                """)
        }
    }
}

/// Where the SDK's module and library sit relative to the `dagron` executable.
struct SDKLocation {
    var moduleDirectory: String
    var libraryDirectory: String

    var swiftcFlags: [String] {
        ["-I", moduleDirectory, "-L", libraryDirectory, "-lDagronSDK"]
    }

    /// Installed: `<prefix>/bin/dagron`, `<prefix>/lib/libDagronSDK.so`,
    /// `<prefix>/lib/dagron/sdk/DagronSDK.swiftinterface`. Build tree:
    /// `<bin>/dagron`, `<bin>/libDagronSDK.so`, `<bin>/Modules/DagronSDK.swiftmodule`.
    static func find(executable: String? = PluginSearchPath.currentExecutablePath()) -> SDKLocation? {
        guard let executable else { return nil }
        let files = FileManager.default
        let binary = (executable as NSString).deletingLastPathComponent
        let prefix = (binary as NSString).deletingLastPathComponent
        let installed = prefix + "/lib/dagron/sdk"
        if files.fileExists(atPath: installed + "/DagronSDK.swiftinterface")
            || files.fileExists(atPath: installed + "/DagronSDK.swiftmodule"),
            files.fileExists(atPath: prefix + "/lib/libDagronSDK.so")
        {
            return SDKLocation(moduleDirectory: installed, libraryDirectory: prefix + "/lib")
        }
        for modules in [binary + "/Modules", binary] where files.fileExists(atPath: modules + "/DagronSDK.swiftmodule")
        {
            if files.fileExists(atPath: binary + "/libDagronSDK.so") {
                return SDKLocation(moduleDirectory: modules, libraryDirectory: binary)
            }
        }
        return nil
    }
}
