@_spi(DagronHost) import DagronSDK
import Foundation
import TestSupport

/// A bundled plugin's shared object, as the build puts it next to the
/// `dagron` binary (and this test binary).
enum BundledPlugin: String, CaseIterable {
    case logging = "DagronLogging"
    case timing = "DagronTiming"
    case prometheus = "DagronPrometheusText"
    case slack = "DagronSlackWebhook"

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

/// The bundled plugins' folder, and their loader (``PluginLibrary`` from
/// TestSupport, which reaches each `.so` only through `dlopen`).
enum PluginLoader {
    /// Where the built plugins are: `$DAGRON_PLUGIN_DIR`, else the build folder.
    static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["DAGRON_PLUGIN_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return BuildFolder.url
    }

    /// Creates a fresh instance of `plugin` through its factory.
    static func make(_ plugin: BundledPlugin) throws -> any DagronPlugin {
        try load(path: plugin.path)
    }

    static func load(path: String) throws -> any DagronPlugin {
        try PluginLibrary.load(path: path)
    }
}
