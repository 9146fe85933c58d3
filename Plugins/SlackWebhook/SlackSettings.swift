import DagronSDK
import Foundation

/// The `slack-webhook` plugin's settings, validated.
///
/// The webhook URL is a secret: no error, log line or description shows it.
struct SlackSettings: Sendable {
    /// The settings the plugin declares: what the host checks before `configure`.
    static let schema: PluginSettingsSchema = [
        PluginSetting(
            "webhook_url", .text, required: true, secret: true, help: "The Slack incoming-webhook URL (http or https)."),
        PluginSetting("channel", .text, help: "Post to this channel instead of the webhook's own."),
        PluginSetting(
            "notify_on", .choice(NotifyOn.allCases.map(\.rawValue)), default: "failure",
            help: "When to post a run summary."),
        PluginSetting("timeout_seconds", .seconds(timeoutBounds), default: "10", help: "Timeout of one request."),
        PluginSetting("max_retries", .integer(maxRetriesBounds), default: "3", help: "Retries of a failed request."),
        PluginSetting(
            "retry_delay_seconds", .seconds(retryDelayBounds), default: "1",
            help: "Delay before the first retry (doubled each time)."),
        PluginSetting(
            "flush_timeout_seconds", .seconds(timeoutBounds), default: "5",
            help: "How long teardown waits for messages still queued."),
        PluginSetting(
            "queue_size", .integer(queueSizeBounds), default: "16",
            help: "Messages queued at most; more are dropped with a warning."),
    ]

    /// When a message is sent.
    enum NotifyOn: String, Sendable, CaseIterable {
        case failure, always, never
    }

    /// The webhook (secret).
    var webhookURL: String
    var channel: String?
    var notifyOn: NotifyOn
    /// The limit of one HTTP request.
    var requestTimeout: Double
    /// Attempts after the first, on 5xx, 429 or a transport error.
    var maxRetries: Int
    /// The first backoff delay; doubled for each retry (capped at 30 s).
    var retryDelay: Double
    /// How long `teardown` waits for queued messages to be delivered.
    var flushTimeout: Double
    /// How many messages may wait for the sender.
    var queueSize: Int

    static let keys: Set<String> = [
        "webhook_url", "channel", "notify_on", "timeout_seconds", "max_retries",
        "retry_delay_seconds", "flush_timeout_seconds", "queue_size",
    ]

    /// `timeout_seconds` and `flush_timeout_seconds`: from 1 ms to 1 hour.
    static let timeoutBounds = DurationBounds(longest: 3_600)
    /// `retry_delay_seconds`: from 1 ms to 1 hour (the backoff is capped at 30 s anyway).
    static let retryDelayBounds = DurationBounds(longest: 3_600)
    /// `max_retries`: from 0 to 20.
    static let maxRetriesBounds = IntegerBounds(0...20)
    /// `queue_size`: from 1 to 10000.
    static let queueSizeBounds = IntegerBounds(1...10_000)
    /// The port of `webhook_url`, when it has one: from 1 to 65535.
    static let portBounds = IntegerBounds(1...65_535)

    /// Reads and validates `settings`; throws a ``PluginSettingsError`` naming the key (but never showing the URL).
    ///
    /// Everything the sender later converts or hands to AsyncHTTPClient is
    /// checked here, in `configure`, so a bad value is a configuration error
    /// before the run and not a crash when the message is sent.
    init(_ settings: PluginSettings) throws {
        try settings.rejectUnknownKeys(allowed: Self.keys)
        webhookURL = try Self.webhookURL(settings)
        channel = settings["channel"].flatMap { $0.isEmpty ? nil : $0 }
        notifyOn = NotifyOn(
            rawValue: try settings.choice(
                "notify_on", in: NotifyOn.allCases.map(\.rawValue), default: NotifyOn.failure.rawValue))!
        requestTimeout = try settings.seconds("timeout_seconds", default: 10, within: Self.timeoutBounds)
        maxRetries = try settings.int("max_retries", default: 3, within: Self.maxRetriesBounds)
        retryDelay = try settings.seconds("retry_delay_seconds", default: 1, within: Self.retryDelayBounds)
        flushTimeout = try settings.seconds("flush_timeout_seconds", default: 5, within: Self.timeoutBounds)
        queueSize = try settings.int("queue_size", default: 16, within: Self.queueSizeBounds)
    }

    /// `webhook_url`, checked the way AsyncHTTPClient reads it (`URL(string:)`):
    /// http or https, a host, and a port (if any) from 1 to 65535.
    private static func webhookURL(_ settings: PluginSettings) throws -> String {
        let url = try settings.required("webhook_url")
        let secret = "(a secret, not shown)"
        guard let parsed = URL(string: url), let components = URLComponents(string: url),
            let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            // `encodedHost`, not `host`: the decoded host goes through ICU's
            // IDNA transcoder, whose data is 1.2 MB resident for a check of
            // emptiness.
            let host = parsed.host, !host.isEmpty, components.encodedHost?.isEmpty == false
        else {
            throw PluginSettingsError.malformed(
                plugin: settings.plugin, key: "webhook_url", value: secret, expected: "an http(s) URL")
        }
        // A port outside 1...65535 (99999) reaches NIO's socket address and traps there; one past
        // Int's range is dropped by the URL parsers (and the default port used): both are refused.
        if let port = portText(of: url), !port.isEmpty,
            portBounds.read(port) == nil || port.contains(where: { !$0.isASCII || !$0.isNumber })
        {
            throw PluginSettingsError.malformed(
                plugin: settings.plugin, key: "webhook_url", value: secret,
                expected: "an http(s) URL whose port is \(portBounds)")
        }
        return url
    }

    /// The port as written in `url`'s authority (`""` for `host:`), or `nil` when it has none.
    private static func portText(of url: String) -> Substring? {
        guard let start = url.range(of: "://")?.upperBound else { return nil }
        let rest = url[start...]
        var authority = rest[..<(rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex)]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let hostEnd =
            authority.hasPrefix("[") ? authority.firstIndex(of: "]") ?? authority.endIndex : authority.startIndex
        guard let colon = authority[hostEnd...].lastIndex(of: ":") else { return nil }
        return authority[authority.index(after: colon)...]
    }
}
