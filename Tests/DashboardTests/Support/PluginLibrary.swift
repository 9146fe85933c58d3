import DagronSDK
import Foundation
import Synchronization

/// Loads the built `libDagronDashboard.so` the way the host does: `dlopen`
/// with `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE`, the ABI symbol checked
/// first, then the factory and a checked cast of the box it returns.
enum PluginLibrary {
    struct LoadError: Error, CustomStringConvertible {
        let description: String
    }

    /// The build folder holding the test binary (and the plugin products).
    static var buildDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The dashboard plugin's shared object; `swift build` makes it.
    static var dashboardPath: String {
        buildDirectory.appendingPathComponent("libDagronDashboard.so").path
    }

    /// `dlopen` handles (as bit patterns) by path; a plugin is never unloaded.
    private static let handles = Mutex<[String: UInt]>([:])

    private static func handle(for path: String) -> UnsafeMutableRawPointer? {
        handles.withLock { handles in
            if let bits = handles[path] { return UnsafeMutableRawPointer(bitPattern: bits) }
            let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)
            if let handle { handles[path] = UInt(bitPattern: handle) }
            return handle
        }
    }

    /// Creates a fresh plugin instance from the shared object (loaded once, never unloaded).
    static func createDashboard() throws -> any DagronPlugin {
        let path = dashboardPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw LoadError(description: "\(path) does not exist: run `swift build` before `swift test`")
        }
        guard let handle = handle(for: path) else {
            throw LoadError(description: "dlopen \(path): \(String(cString: dlerror()))")
        }
        guard let abiSymbol = dlsym(handle, DagronPluginABI.abiVersionSymbol) else {
            throw LoadError(description: "\(path) does not export \(DagronPluginABI.abiVersionSymbol)")
        }
        let abiVersion = unsafeBitCast(abiSymbol, to: (@convention(c) () -> UInt32).self)()
        guard abiVersion == DagronPluginABI.runtimeVersion else {
            throw LoadError(description: "\(path): plugin ABI \(abiVersion), host ABI \(DagronPluginABI.runtimeVersion)")
        }
        guard let factorySymbol = dlsym(handle, DagronPluginABI.factorySymbol) else {
            throw LoadError(description: "\(path) does not export \(DagronPluginABI.factorySymbol)")
        }
        let create = unsafeBitCast(factorySymbol, to: (@convention(c) () -> UnsafeMutableRawPointer).self)
        switch DagronPluginBox.take(create()) {
        case .success(let plugin): return plugin
        case .failure(let failure):
            throw LoadError(description: "\(path): factory returned \(failure.typeName), not the host's DagronPluginBox (own copy of the SDK?)")
        }
    }
}

