import DagronSDK

/// The `prometheus-text` plugin's settings, validated.
struct PrometheusSettings: Sendable {
    /// The settings the plugin declares: what the host checks before `configure`.
    static let schema: PluginSettingsSchema = [
        PluginSetting(
            "listen", .text, default: defaultListen,
            help: "HOST:PORT to serve /metrics on (port 0: a free one), or off."),
        PluginSetting(
            "textfile", .filePath, help: "Also write the metrics to this file (node-exporter textfile format)."),
    ]

    /// Where `/metrics` is served; `nil` when `listen` is `off`.
    var listen: ListenAddress?
    /// The node_exporter textfile to write, if any.
    var textfile: String?

    /// A host and port to bind.
    struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        var host: String
        var port: Int
        var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    static let defaultListen = "127.0.0.1:9464"

    /// Reads and validates `settings`; throws a ``PluginSettingsError`` naming the key.
    init(_ settings: PluginSettings) throws {
        try settings.rejectUnknownKeys(allowed: ["listen", "textfile"])
        let raw = settings.string("listen", default: Self.defaultListen)
        if ["off", "none", "false", "no"].contains(raw.lowercased()) {
            listen = nil
        } else {
            guard let address = Self.parse(raw) else {
                throw PluginSettingsError.malformed(
                    plugin: settings.plugin, key: "listen", value: raw,
                    expected: "HOST:PORT with a port from 0 to 65535 (0 picks a free port), or 'off'")
            }
            listen = address
        }
        textfile = try settings.filePath("textfile")
    }

    /// `HOST:PORT` or `[IPv6]:PORT`.
    static func parse(_ text: String) -> ListenAddress? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace),
            let port = IntegerBounds.port.read(portText)
        else { return nil }
        return ListenAddress(host: String(host), port: port)
    }
}
