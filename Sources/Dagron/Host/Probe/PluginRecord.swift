@_spi(DagronHost) public import DagronSDK

/// The state of one plugin file, as `dagron plugins list` shows it.
public enum PluginStatus: String, Sendable, Codable, Equatable {
    /// Loaded, and the first plugin of its name on the search path.
    case loaded
    /// Could not be loaded (see the error).
    case failed
    /// Loaded, but an earlier plugin of the same name wins.
    case shadowed
    /// Not loaded because the file or directory failed the safety checks.
    case refused
}

/// What is known about one candidate after trying to load it.
public struct PluginRecord: Sendable, Codable, Equatable {
    /// The plugin's name (the manifest's name when the load failed).
    public var name: String?
    /// The plugin's version, when loaded.
    public var version: String?
    /// The plugin's one-line summary, when loaded.
    public var summary: String?
    /// The status.
    public var status: PluginStatus
    /// The file.
    public var path: String
    /// For anything not loaded, the one-line reason.
    public var error: String?
    /// The plugin ABI version the plugin reported, when it got that far.
    public var abi: UInt32?
    /// Where it was found.
    public var candidate: PluginCandidate
    /// For a shadowed plugin, the file of the plugin that wins.
    public var shadowedBy: String?
    /// When probed with initialization: the events the plugin registers hooks for, with counts.
    public var events: [String: Int]?
    /// When probed with initialization: the priority of each of the plugin's
    /// callbacks, by event, in the order they fire.
    public var priorities: [String: [Int]]?
    /// When probed with initialization and `configure` or `initialize` threw: why.
    public var initializeError: String?
    /// When loaded: the settings the plugin declares secret (``DagronPlugin/secretSettings``).
    public var secretSettings: [String]?
    /// When loaded and the plugin declares one: its settings schema
    /// (``DagronPlugin/settingsSchema``), cached with the record so the
    /// host can check settings and show them without loading the plugin.
    public var settingsSchema: PluginSettingsSchema?

    /// Creates a record.
    public init(
        name: String?, version: String? = nil, summary: String? = nil, status: PluginStatus,
        path: String, error: String? = nil, abi: UInt32? = nil, candidate: PluginCandidate
    ) {
        self.name = name
        self.version = version
        self.summary = summary
        self.status = status
        self.path = path
        self.error = error
        self.abi = abi
        self.candidate = candidate
    }

    /// A record for a candidate that failed with `error`.
    public init(candidate: PluginCandidate, error: PluginLoadError) {
        self.init(
            name: candidate.declaredName, status: error.isRefusal ? .refused : .failed,
            path: candidate.path, error: error.reason, candidate: candidate)
        if case .abiMismatch(_, let plugin, _, _) = error { abi = plugin }
    }

    /// A record for a loaded plugin.
    public init(loaded: LoadedPlugin) {
        self.init(
            name: loaded.plugin.name, version: loaded.plugin.version, summary: loaded.plugin.summary,
            status: .loaded, path: loaded.path, abi: loaded.abiVersion, candidate: loaded.candidate)
        secretSettings = loaded.plugin.secretSettings.sorted()
        let schema = loaded.plugin.settingsSchema
        settingsSchema = schema.isDeclared ? schema : nil
    }

    /// The manifest's default settings as they may be displayed: the value of
    /// a secret setting (see ``PluginSettingSecrecy``) replaced by `<secret, not shown>`.
    public var displayableSettings: [(key: String, value: String)] {
        candidate.settings.sorted { $0.key < $1.key }.map { key, value in
            (key, isSecret(key) ? PluginSettingSecrecy.placeholder : value)
        }
    }

    /// Whether the value of the setting `key` must not be displayed:
    /// decided by ``settingsSchema`` when there is one (see ``PluginSettingSecrecy``).
    public func isSecret(_ key: String) -> Bool {
        PluginSettingSecrecy.isSecret(key, schema: settingsSchema, declaredSecrets: secretSettings)
    }

    /// Marks every loaded record whose name an earlier loaded record has as
    /// ``PluginStatus/shadowed`` (first plugin of a name wins).
    public static func resolvingShadows(_ records: [PluginRecord]) -> [PluginRecord] {
        var winners: [String: String] = [:]
        return records.map { record in
            guard record.status == .loaded, let name = record.name else { return record }
            if let winner = winners[name] {
                var shadowed = record
                shadowed.status = .shadowed
                shadowed.shadowedBy = winner
                shadowed.error = "shadowed by \(winner)"
                return shadowed
            }
            winners[name] = record.path
            return record
        }
    }
}
