import DagronSDK
import Foundation

/// The `slack-webhook` plugin's settings, validated.
///
/// The webhook URL is a secret: no error, log line or description shows it.
struct SlackSettings: Sendable {
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

    /// Reads and validates `settings`; throws an error naming the key (but never showing the URL).
    init(_ settings: PluginSettings) throws {
        try settings.rejectUnknownKeys(allowed: Self.keys)
        let url = try settings.required("webhook_url")
        guard let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else {
            throw SlackSettingsError(
                key: "webhook_url",
                problem: "is not an http(s) URL (the value is a secret and is not shown)")
        }
        webhookURL = url
        channel = settings["channel"].flatMap { $0.isEmpty ? nil : $0 }
        notifyOn = NotifyOn(rawValue: try settings.choice(
            "notify_on", in: NotifyOn.allCases.map(\.rawValue), default: NotifyOn.failure.rawValue))!
        requestTimeout = try Self.positive(settings, "timeout_seconds", default: 10)
        maxRetries = try settings.int("max_retries", default: 3)
        guard (0...20).contains(maxRetries) else {
            throw SlackSettingsError(key: "max_retries", problem: "is \(maxRetries), expected 0 to 20")
        }
        retryDelay = try Self.positive(settings, "retry_delay_seconds", default: 1)
        flushTimeout = try Self.positive(settings, "flush_timeout_seconds", default: 5)
        queueSize = try settings.int("queue_size", default: 16)
        guard queueSize >= 1 else {
            throw SlackSettingsError(key: "queue_size", problem: "is \(queueSize), expected 1 or more")
        }
    }

    private static func positive(_ settings: PluginSettings, _ key: String, default value: Double) throws -> Double {
        let number = try settings.double(key, default: value)
        guard number > 0 else { throw SlackSettingsError(key: key, problem: "is \(number), expected a number above 0") }
        return number
    }
}

/// A `slack-webhook` setting is invalid.
struct SlackSettingsError: Error, CustomStringConvertible {
    let key: String
    let problem: String
    var description: String { "plugin 'slack-webhook': setting '\(key)' \(problem)" }
}
