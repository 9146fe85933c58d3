import DagronSDK
import Foundation
import Synchronization

/// Posts a Slack-compatible message to `webhook_url` when a run fails
/// (`notify_on`: `failure`, the default; `always`; `never`).
///
/// Never blocks the executor: the `post_execute` hook only queues the message;
/// a ``WebhookSender`` delivers it in the background with retries, and
/// `teardown` waits at most `flush_timeout_seconds` for delivery.
/// The webhook URL is a secret and appears in no log, error or description.
///
/// Settings, each checked in `configure` (a value outside its range is a
/// configuration error naming the key, before any node runs):
/// - `webhook_url` (required): an http or https URL; a port, if given, from 1 to 65535;
/// - `channel`; `notify_on`: `failure` (default), `always` or `never`;
/// - `timeout_seconds`: per request, seconds from 0.001 to 3600, default 10;
/// - `max_retries`: 0 to 20, default 3;
/// - `retry_delay_seconds`: the first backoff (doubled per retry, capped at 30 s),
///   seconds from 0.001 to 3600, default 1;
/// - `flush_timeout_seconds`: how long teardown waits for delivery, seconds
///   from 0.001 to 3600, default 5;
/// - `queue_size`: messages waiting to be sent, 1 to 10000, default 16.
final class SlackWebhookPlugin: DagronPlugin {
    let name = "slack-webhook"
    let version = "1.0.0"
    let summary = "Posts a Slack message when a run fails (settings: webhook_url, channel, notify_on, ...)."
    /// The settings the plugin accepts, `webhook_url` secret (see ``SlackSettings/schema``).
    var settingsSchema: PluginSettingsSchema { SlackSettings.schema }

    private let settings = Mutex<SlackSettings?>(nil)
    private let sender = Mutex<WebhookSender?>(nil)

    func configure(_ settings: PluginSettings) throws {
        let parsed = try SlackSettings(settings)
        self.settings.withTrackedLock { $0 = parsed }
    }

    func initialize(hooks: HookRegistry) throws {
        guard let settings = self.settings.withTrackedLock({ $0 }) else {
            throw PluginSettingsError.missing(plugin: name, key: "webhook_url")
        }
        guard settings.notifyOn != .never else { return }
        let warn: @Sendable (String) -> Void = { [name] message in Self.warn(plugin: name, message) }
        let sender = WebhookSender(settings: settings, report: warn)
        self.sender.withTrackedLock { $0 = sender }
        hooks.register(.postExecute) { context in
            guard let result = context.executionResult else { return }
            guard settings.notifyOn == .always || !result.isSuccess else { return }
            do {
                sender.enqueue(try SlackMessage(result: result, channel: settings.channel).encoded())
            } catch {
                warn("cannot encode the message: \(error)")
            }
        }
    }

    func teardown() {
        let current = sender.withTrackedLock { sender in
            defer { sender = nil }
            return sender
        }
        let flush = settings.withTrackedLock { $0?.flushTimeout } ?? 5
        current?.close(within: flush)
    }

    /// Reports a problem through the host's log when it installed one, else on standard error.
    private static func warn(plugin: String, _ message: String) {
        let record = LogRecord(
            level: .warning, label: "dagron.slack-webhook", message: message, metadata: ["plugin": plugin])
        if !HostLog.emit(record) {
            try? FileHandle.standardError.write(
                contentsOf: Data("dagron: warning: plugin '\(plugin)': \(message)\n".utf8))
        }
    }
}

@_cdecl("dagron_plugin_abi_version")
public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

@_cdecl("dagron_plugin_create")
public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(SlackWebhookPlugin()) }
