import DagronSDK
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bundled plugin's shared object, as the build puts it next to the
/// `dagron` binary (and this test binary).
enum BundledPlugin: String, CaseIterable {
    case logging = "DagronLogging"
    case timing = "DagronTiming"
    case prometheus = "DagronPrometheus"
    case slack = "DagronSlack"

    /// The name the plugin must report.
    var pluginName: String {
        switch self {
        case .logging: "logging"
        case .timing: "timing"
        case .prometheus: "prometheus-text"
        case .slack: "slack-webhook"
        }
    }

    /// `lib<Product>.so` in the build folder (or `$DAGRON_PLUGIN_DIR`).
    var path: String {
        PluginLoader.directory.appendingPathComponent("lib\(rawValue).so").path
    }
}

/// Loads a plugin the way the host does: `dlopen` with
/// `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE`, the ABI symbol checked first,
/// then the factory, then a checked cast of the box. Nothing here links a
/// plugin: each `.so` is reached only through `dlopen`.
enum PluginLoader {
    struct LoadError: Error, CustomStringConvertible {
        let description: String
    }

    /// Where the built plugins are: `$DAGRON_PLUGIN_DIR`, else the folder of
    /// the running test binary (SwiftPM puts products side by side).
    static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["DAGRON_PLUGIN_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Creates a fresh instance of `plugin` through its factory.
    static func make(_ plugin: BundledPlugin) throws -> any DagronPlugin {
        try load(path: plugin.path)
    }

    static func load(path: String) throws -> any DagronPlugin {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
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
        case .failure(let unexpected):
            throw LoadError(description: "\(path): factory returned \(unexpected.typeName), not a DagronPluginBox (a private copy of DagronSDK?)")
        }
    }
}
