import Foundation
import TestSupport
import Testing

/// Where `swift build` put the artifacts the host tests load: the `dagron`
/// binary, `libDagronSDK.so`, the bundled plugins and the SDK's module.
enum BuildProducts {
    /// The build directory (`.build/debug` or the like).
    static var directory: String { BuildFolder.path }

    static var dagron: String { directory + "/dagron" }
    static var sdkLibrary: String { directory + "/libDagronSDK.so" }
    static var eventRecorder: String { directory + "/libDagronEventRecorder.so" }

    /// The directory holding `DagronSDK.swiftmodule` for `swiftc -I`.
    static var sdkModuleDirectory: String {
        for candidate in [directory + "/Modules", directory]
        where FileManager.default.fileExists(atPath: candidate + "/DagronSDK.swiftmodule") {
            return candidate
        }
        return directory + "/Modules"
    }

    /// Fails the test with a clear message when an artifact is missing
    /// (run `swift build` before `swift test`; scripts/test.sh does).
    static func require(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(
            FileManager.default.fileExists(atPath: path),
            "\(path) is missing: run `swift build` before `swift test` (scripts/test.sh does)",
            sourceLocation: sourceLocation)
    }
}
