import DagronSDK

/// The dashboard's settings, read from ``PluginSettings``.
///
/// | Key | Default | Meaning |
/// |---|---|---|
/// | `host` | `127.0.0.1` | Address to bind. Keep it loopback unless you mean it. |
/// | `port` | `8765` | Port to bind; `0` picks a free one. |
/// | `open_browser` | `false` | Open the URL (through a private redirect file) when a display is available. |
/// | `url_file` | none | Also write the URL (with its token) to this file (mode 0600), for scripts. |
/// | `max_connections` | `256` | Connections open at once (1 to 10000; also at most a quarter of the free descriptors). |
/// | `idle_timeout` | `15s` | How long a connection may stay without an authenticated request (1s to 1h). |
///
/// Every number is range-checked here, so a hostile value (`1e300`, `nan`,
/// `-1`, `9223372036854775807`, ...) is a configuration error naming the key.
struct DashboardSettings: Sendable, Equatable {
    /// The settings the plugin declares: what the host checks before `configure`.
    static let schema: PluginSettingsSchema = [
        PluginSetting("host", .text, default: "127.0.0.1", help: "The address to serve the page on."),
        PluginSetting("port", .integer(.port), default: "8765", help: "The port (0: a free one; see url_file)."),
        PluginSetting(
            "open_browser", .boolean, default: "false", help: "Open the page in a browser when the run starts."),
        PluginSetting("url_file", .filePath, help: "Write the page's URL to this file once it is served."),
        PluginSetting(
            "max_connections", .integer(connectionBounds), default: "256",
            help: "Open connections at most; more are refused."),
        PluginSetting(
            "idle_timeout", .duration(DurationBounds(shortest: 1, longest: 3_600)), default: "15",
            help: "Close a connection idle this long (15, 15s, 1500ms, 2m)."),
    ]

    static let keys: Set<String> = ["host", "port", "open_browser", "url_file", "max_connections", "idle_timeout"]

    /// The accepted `max_connections`.
    static let connectionBounds = IntegerBounds(1...10_000)
    /// The accepted `idle_timeout`, in milliseconds.
    static let idleTimeoutRange: ClosedRange<Int64> = 1_000...3_600_000

    var host = "127.0.0.1"
    var port = 8765
    var openBrowser = false
    var urlFile: String?
    var maxConnections = 256
    var idleTimeout: Duration = .seconds(15)

    init() {}

    /// Reads and validates `settings`.
    /// - Throws: ``PluginSettingsError`` naming the plugin and the key.
    init(_ settings: PluginSettings) throws(PluginSettingsError) {
        try settings.rejectUnknownKeys(allowed: Self.keys)
        host = settings.string("host", default: host).trimmingWhitespace
        if host.isEmpty {
            throw .malformed(plugin: settings.plugin, key: "host", value: "", expected: "an address such as 127.0.0.1")
        }
        port = try settings.int("port", default: port, within: .port)
        openBrowser = try settings.bool("open_browser", default: openBrowser)
        if settings["url_file"] == "" {
            throw .malformed(plugin: settings.plugin, key: "url_file", value: "", expected: "a file path")
        }
        // Absolute, so the file lands where the user meant whatever the
        // working directory is when the page is served.
        if let file = try settings.filePath("url_file") { urlFile = file }
        maxConnections = try settings.int("max_connections", default: maxConnections, within: Self.connectionBounds)
        if let raw = settings["idle_timeout"] {
            guard let milliseconds = DurationText.milliseconds(raw), Self.idleTimeoutRange.contains(milliseconds) else {
                throw .malformed(
                    plugin: settings.plugin, key: "idle_timeout", value: raw,
                    expected: "a duration from 1s to 1h, such as 15, 15s, 1500ms or 2m")
            }
            idleTimeout = .milliseconds(milliseconds)
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
