import ClusterJobSupport
import DagronSDK

/// The `cluster-generic` plugin's settings, validated.
struct ClusterGenericSettings: Sendable, Equatable {
    /// The settings the plugin declares: what the host checks before `configure`.
    static let schema: PluginSettingsSchema = [
        PluginSetting(
            "submit", .text, required: true, help: "The command template that submits a job and prints its id."),
        PluginSetting("status", .text, required: true, help: "The command template that prints a job's state."),
        PluginSetting("cancel", .text, help: "The command template that cancels a job."),
        PluginSetting("poll_interval", .duration(pollIntervalBounds), default: "5", help: "How often status is asked."),
        PluginSetting("states", .text, help: "What more status words mean: WORD=meaning pairs or a JSON object."),
    ]

    /// `submit`: prints the job id on the first line of its output.
    var submit: CommandTemplate
    /// `status`: prints `<id> <state>` lines.
    var status: CommandTemplate
    /// `cancel`, when given.
    var cancel: CommandTemplate?
    /// `poll_interval`, in seconds.
    var pollInterval: Double
    /// `states` over the defaults.
    var states: ClusterStateTable

    static let keys: Set<String> = ["submit", "status", "cancel", "poll_interval", "states"]

    /// `poll_interval`: from 100 ms to 10 minutes (default 5 s).
    static let pollIntervalBounds = DurationBounds(shortest: 0.1, longest: 600)

    /// Reads and validates `settings`; throws a ``PluginSettingsError`` naming the key.
    init(_ settings: PluginSettings) throws(PluginSettingsError) {
        try settings.rejectUnknownKeys(allowed: Self.keys)
        submit = try Self.template("submit", settings, allowed: CommandTemplate.jobPlaceholders, required: true)!
        status = try Self.template("status", settings, allowed: CommandTemplate.queryPlaceholders, required: true)!
        cancel = try Self.template("cancel", settings, allowed: CommandTemplate.queryPlaceholders, required: false)
        pollInterval = try settings.duration("poll_interval", default: 5, within: Self.pollIntervalBounds)
        states = ClusterStateTable(overrides: try ClusterStateTable.overrides(settings, key: "states"))
    }

    /// The template under `key`; `nil` when optional and unset.
    private static func template(
        _ key: String, _ settings: PluginSettings, allowed: Set<String>, required: Bool
    ) throws(PluginSettingsError) -> CommandTemplate? {
        guard let raw = settings[key], !raw.trimmingBlanks.isEmpty else {
            if required || settings[key] != nil { throw .missing(plugin: settings.plugin, key: key) }
            return nil
        }
        do {
            return try CommandTemplate(raw, allowed: allowed)
        } catch {
            throw .malformed(
                plugin: settings.plugin, key: key, value: raw, expected: "a command template: \(error.description)")
        }
    }
}
