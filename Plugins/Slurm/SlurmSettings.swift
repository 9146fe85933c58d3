import ClusterJobSupport
import DagronSDK

/// The `slurm` plugin's settings, validated.
struct SlurmSettings: Sendable, Equatable {
    /// The settings the plugin declares: what the host checks before `configure`.
    static let schema: PluginSettingsSchema = [
        PluginSetting("partition", .text, help: "sbatch --partition for every job."),
        PluginSetting("account", .text, help: "sbatch --account for every job."),
        PluginSetting("qos", .text, help: "sbatch --qos for every job."),
        PluginSetting(
            "extra_args", .text, help: "More sbatch arguments: words as /bin/sh splits them, or a JSON list."),
        PluginSetting(
            "poll_interval", .duration(pollIntervalBounds), default: "2", help: "How often squeue and sacct are asked."),
        PluginSetting("sbatch", .text, default: "sbatch", help: "The sbatch command."),
        PluginSetting("squeue", .text, default: "squeue", help: "The squeue command."),
        PluginSetting("scontrol", .text, default: "scontrol", help: "The scontrol command."),
        PluginSetting("scancel", .text, default: "scancel", help: "The scancel command."),
        PluginSetting("sacct", .text, default: "sacct", help: "The sacct command."),
    ]

    /// `partition`, `account`, `qos`: passed to `sbatch` when set.
    var partition: String?
    var account: String?
    var qos: String?
    /// `extra_args`: more `sbatch` options, before the script.
    var extraArguments: [String]
    /// `poll_interval`, in seconds.
    var pollInterval: Double
    /// The tools, as given (names looked up on `PATH` when the executor is made, or paths).
    var sbatch: String
    var squeue: String
    var scontrol: String
    var scancel: String
    var sacct: String

    static let keys: Set<String> = [
        "partition", "account", "qos", "extra_args", "poll_interval", "sbatch", "squeue", "scontrol", "scancel",
        "sacct",
    ]

    /// `poll_interval`: from 100 ms to 10 minutes (default 2 s).
    static let pollIntervalBounds = DurationBounds(shortest: 0.1, longest: 600)

    /// Reads and validates `settings`; throws a ``PluginSettingsError`` naming the key.
    init(_ settings: PluginSettings) throws(PluginSettingsError) {
        try settings.rejectUnknownKeys(allowed: Self.keys)
        partition = try Self.word("partition", settings)
        account = try Self.word("account", settings)
        qos = try Self.word("qos", settings)
        extraArguments = try settings.words("extra_args")
        pollInterval = try settings.duration("poll_interval", default: 2, within: Self.pollIntervalBounds)
        sbatch = try Self.tool("sbatch", settings)
        squeue = try Self.tool("squeue", settings)
        scontrol = try Self.tool("scontrol", settings)
        scancel = try Self.tool("scancel", settings)
        sacct = try Self.tool("sacct", settings)
    }

    /// An optional one-word value (a partition name cannot hold blanks); `nil` when unset or empty.
    private static func word(_ key: String, _ settings: PluginSettings) throws(PluginSettingsError) -> String? {
        guard let raw = settings[key] else { return nil }
        let value = raw.trimmingBlanks
        if value.isEmpty { return nil }
        guard !value.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw .malformed(plugin: settings.plugin, key: key, value: raw, expected: "one word (a \(key) name)")
        }
        return value
    }

    /// A tool's name or path; the key's own name when unset.
    private static func tool(_ key: String, _ settings: PluginSettings) throws(PluginSettingsError) -> String {
        guard let raw = settings[key] else { return key }
        guard !raw.trimmingBlanks.isEmpty else { throw .missing(plugin: settings.plugin, key: key) }
        return raw.trimmingBlanks
    }
}
