import DagronSDK

/// The dashboard's settings, read from ``PluginSettings``.
///
/// | Key | Default | Meaning |
/// |---|---|---|
/// | `host` | `127.0.0.1` | Address to bind. Keep it loopback unless you mean it. |
/// | `port` | `8765` | Port to bind; `0` picks a free one. |
/// | `open_browser` | `false` | Open the URL with `xdg-open` when a display is available. |
/// | `url_file` | none | Also write the URL (with its token) to this file, for scripts. |
struct DashboardSettings: Sendable, Equatable {
    static let keys: Set<String> = ["host", "port", "open_browser", "url_file"]

    var host = "127.0.0.1"
    var port = 8765
    var openBrowser = false
    var urlFile: String?

    init() {}

    /// Reads and validates `settings`.
    /// - Throws: ``PluginSettingsError`` naming the plugin and the key.
    init(_ settings: PluginSettings) throws(PluginSettingsError) {
        try settings.rejectUnknownKeys(allowed: Self.keys)
        host = settings.string("host", default: host).trimmingWhitespace
        if host.isEmpty {
            throw .malformed(plugin: settings.plugin, key: "host", value: "", expected: "an address such as 127.0.0.1")
        }
        port = try settings.int("port", default: port)
        guard (0...65535).contains(port) else {
            throw .malformed(plugin: settings.plugin, key: "port", value: settings["port"] ?? "",
                             expected: "a port number from 0 to 65535 (0 picks a free port)")
        }
        openBrowser = try settings.bool("open_browser", default: openBrowser)
        if let file = settings["url_file"] {
            guard !file.isEmpty else {
                throw .malformed(plugin: settings.plugin, key: "url_file", value: file, expected: "a file path")
            }
            urlFile = file
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
