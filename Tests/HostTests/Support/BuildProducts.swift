import Foundation
import Testing

/// Where `swift build` put the artifacts the host tests load: the `dagron`
/// binary, `libDagronSDK.so`, the bundled plugins and the SDK's module.
enum BuildProducts {
    /// The build directory (`.build/debug` or the like): the test binary's own directory.
    static let directory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var candidate = (executable as NSString).deletingLastPathComponent
        // The test binary is `<bin>/dagronPackageTests.xctest` on Linux.
        while !candidate.isEmpty, candidate != "/" {
            if FileManager.default.fileExists(atPath: candidate + "/libDagronSDK.so") { return candidate }
            candidate = (candidate as NSString).deletingLastPathComponent
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").resolvingSymlinksInPath().path
    }()

    static var dagron: String { directory + "/dagron" }
    static var sdkLibrary: String { directory + "/libDagronSDK.so" }
    static var eventRecorder: String { directory + "/libDagronEventRecorder.so" }

    /// The directory holding `DagronSDK.swiftmodule` for `swiftc -I`.
    static var sdkModuleDirectory: String {
        for candidate in [directory + "/Modules", directory] where FileManager.default.fileExists(atPath: candidate + "/DagronSDK.swiftmodule") {
            return candidate
        }
        return directory + "/Modules"
    }

    /// Fails the test with a clear message when an artifact is missing
    /// (run `swift build` before `swift test`; scripts/test.sh does).
    static func require(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(FileManager.default.fileExists(atPath: path),
                     "\(path) is missing: run `swift build` before `swift test` (scripts/test.sh does)",
                     sourceLocation: sourceLocation)
    }
}
