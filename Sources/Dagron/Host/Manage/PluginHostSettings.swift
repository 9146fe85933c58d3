@_spi(DagronHost) public import DagronSDK
import Foundation

/// How the host runs one plugin: the reserved keys of a plugin's settings,
/// read by dagron and never passed to the plugin.
///
/// They can be given wherever settings are (a manifest default
/// `name.isolation = process`, the pipeline's `plugins.<name>` table,
/// `DAGRON_PLUGIN_<NAME>_ISOLATION`, `--set name.isolation=process`):
///
/// | Key | Values | Default |
/// |---|---|---|
/// | `isolation` | `in_process` or `process` | `in_process` |
/// | `stall_timeout` | a duration: an isolated plugin that makes no progress this long is stopped | `30s` |
/// | `callback_budget` | a duration: an in-process callback that runs longer is reported | `100ms` |
///
/// ```swift
/// let (host, settings) = try PluginHostSettings.split(merged)
/// if host.isolation == .process { ... }
/// ```
public struct PluginHostSettings: Sendable, Equatable {
    /// Where the plugin's code runs.
    public var isolation: PluginIsolation
    /// How long an isolated plugin may go without taking the next event (or
    /// answering) before it is stopped as stalled, in seconds.
    public var stallTimeout: Double
    /// How long one in-process callback may run before it is reported, in seconds.
    public var callbackBudget: Double

    /// The reserved setting keys.
    public static let isolationKey = "isolation"
    /// See ``stallTimeout``.
    public static let stallTimeoutKey = "stall_timeout"
    /// See ``callbackBudget``.
    public static let callbackBudgetKey = "callback_budget"
    /// Every reserved key.
    public static let reservedKeys: Set<String> = [isolationKey, stallTimeoutKey, callbackBudgetKey]

    /// The default stall timeout: 30 seconds.
    public static let defaultStallTimeout = 30.0
    /// The default callback budget: 100 ms.
    public static let defaultCallbackBudget = 0.1
    /// What ``stallTimeout`` accepts: 10 ms to a day.
    public static let stallTimeoutBounds = DurationBounds(shortest: 0.01, longest: 86_400)
    /// What ``callbackBudget`` accepts: 1 ms to an hour.
    public static let callbackBudgetBounds = DurationBounds(longest: 3_600)

    /// Creates host settings.
    public init(
        isolation: PluginIsolation = .inProcess,
        stallTimeout: Double = PluginHostSettings.defaultStallTimeout,
        callbackBudget: Double = PluginHostSettings.defaultCallbackBudget
    ) {
        self.isolation = isolation
        self.stallTimeout = stallTimeout
        self.callbackBudget = callbackBudget
    }

    /// Separates the reserved keys of `settings` from the plugin's own.
    /// - Throws: ``PluginSettingsError/malformed(plugin:key:value:expected:)``
    ///   naming the key for a value out of range or not understood.
    public static func split(_ settings: PluginSettings) throws(PluginSettingsError) -> (
        host: PluginHostSettings, plugin: PluginSettings
    ) {
        var host = PluginHostSettings()
        if let raw = settings[isolationKey] {
            guard let isolation = PluginIsolation(text: raw) else {
                throw .malformed(
                    plugin: settings.plugin, key: isolationKey, value: raw, expected: "in_process or process")
            }
            host.isolation = isolation
        }
        host.stallTimeout = try duration(
            settings, stallTimeoutKey, default: defaultStallTimeout, within: stallTimeoutBounds)
        host.callbackBudget = try duration(
            settings, callbackBudgetKey, default: defaultCallbackBudget, within: callbackBudgetBounds)
        let own = settings.values.filter { !reservedKeys.contains($0.key) }
        return (host, PluginSettings(plugin: settings.plugin, own))
    }

    /// `key` as a duration (`250ms`, `30s`, `2m` or plain seconds) within `bounds`.
    private static func duration(
        _ settings: PluginSettings, _ key: String, default defaultValue: Double, within bounds: DurationBounds
    ) throws(PluginSettingsError) -> Double {
        guard let raw = settings[key] else { return defaultValue }
        guard let seconds = DurationText.seconds(raw), bounds.contains(seconds) else {
            throw .malformed(
                plugin: settings.plugin, key: key, value: raw, expected: "a duration \(bounds) such as 250ms or 30s")
        }
        return seconds
    }
}

/// Where a plugin's code runs.
public enum PluginIsolation: String, Sendable, Codable, CaseIterable {
    /// Loaded into dagron's process: fastest; a crash there ends the run.
    case inProcess = "in_process"
    /// Loaded into a child `dagron` process that receives the run's events:
    /// a crash, exit or hang there stops only the plugin.
    case process

    /// Parses `in_process` (or `in-process`) and `process`.
    public init?(text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "in_process", "in-process", "inprocess": self = .inProcess
        case "process": self = .process
        default: return nil
        }
    }
}
