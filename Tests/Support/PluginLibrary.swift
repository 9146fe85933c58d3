@_spi(DagronHost) public import DagronSDK
import Foundation
import Synchronization

/// Loads a plugin's shared object the way the host does: `dlopen` with
/// `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE`, the ABI symbol checked first,
/// then the factory, then a checked cast of the box it returns. Nothing in
/// the tests links a plugin: each `.so` is reached only through here.
public enum PluginLibrary {
    /// Why a plugin could not be created.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `dlopen` handles (as bit patterns) by path; a plugin is never unloaded.
    private static let handles = Mutex<[String: UInt]>([:])

    private static func handle(for path: String) -> UnsafeMutableRawPointer? {
        let bits = handles.withTrackedLock { handles -> UInt in
            if let bits = handles[path] { return bits }
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else { return 0 }
            handles[path] = UInt(bitPattern: handle)
            return UInt(bitPattern: handle)
        }
        return UnsafeMutableRawPointer(bitPattern: bits)
    }

    /// Creates a fresh plugin instance from the shared object at `path`
    /// (opened once, never closed).
    /// - Throws: ``LoadError`` saying what is wrong (not built, not a plugin,
    ///   another ABI, its own copy of the SDK).
    public static func load(path: String) throws -> any DagronPlugin {
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
            throw LoadError(
                description: "\(path): plugin ABI \(abiVersion), host ABI \(DagronPluginABI.runtimeVersion)")
        }
        guard let factorySymbol = dlsym(handle, DagronPluginABI.factorySymbol) else {
            throw LoadError(description: "\(path) does not export \(DagronPluginABI.factorySymbol)")
        }
        let create = unsafeBitCast(factorySymbol, to: (@convention(c) () -> UnsafeMutableRawPointer).self)
        switch DagronPluginBox.take(create()) {
        case .success(let plugin): return plugin
        case .failure(let unexpected):
            throw LoadError(
                description:
                    "\(path): factory returned \(unexpected.typeName), not the host's DagronPluginBox (a private copy of DagronSDK?)"
            )
        }
    }
}
