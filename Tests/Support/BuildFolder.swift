public import Foundation

/// Where `swift build` put the products the end-to-end suites use: the
/// `dagron` binary, `libDagronSDK.so`, the bundled plugins and the SDK's
/// module. SwiftPM puts the test binary beside them, so this is the nearest
/// folder above the running test binary that holds `libDagronSDK.so` (or
/// `.build/debug` of the checkout, failing that).
public enum BuildFolder {
    /// The folder's path.
    public static let path: String = {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var candidate = (executable as NSString).deletingLastPathComponent
        while !candidate.isEmpty, candidate != "/" {
            if FileManager.default.fileExists(atPath: candidate + "/libDagronSDK.so") { return candidate }
            candidate = (candidate as NSString).deletingLastPathComponent
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").resolvingSymlinksInPath().path
    }()

    /// The folder as a file URL.
    public static var url: URL { URL(fileURLWithPath: path) }

    /// `name` inside the folder.
    public static func file(_ name: String) -> String { path + "/" + name }
}
