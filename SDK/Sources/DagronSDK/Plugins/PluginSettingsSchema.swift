/// The settings a plugin accepts, declared through
/// ``DagronPlugin/settingsSchema``.
///
/// ```swift
/// var settingsSchema: PluginSettingsSchema {
///     [
///         PluginSetting("api_token", .text, required: true, secret: true, help: "The service's API token."),
///         PluginSetting("max_retries", .integer(IntegerBounds(0...20)), default: "3", help: "Retries of a failed request."),
///     ]
/// }
/// ```
///
/// With a schema the host checks every setting before calling
/// ``DagronPlugin/configure(_:)`` (unknown keys, missing required ones,
/// values of the wrong form) and `dagron validate` reports a wrong one with
/// the file, line and column it was given at, often without loading the
/// plugin. `dagron plugins info` shows the schema as a table, shell
/// completion offers its keys, and secret-ness is the ``PluginSetting/isSecret``
/// flag's alone.
///
/// An empty schema means *undeclared*: the host then checks nothing itself
/// and leaves every check to the plugin's `configure`.
public struct PluginSettingsSchema: Sendable, Equatable, Codable, ExpressibleByArrayLiteral {
    /// The settings, in the order they are documented.
    public let settings: [PluginSetting]

    /// Creates a schema of `settings`.
    public init(_ settings: [PluginSetting] = []) {
        self.settings = settings
    }

    /// Creates a schema of the listed settings.
    public init(arrayLiteral settings: PluginSetting...) {
        self.init(settings)
    }

    /// Whether the plugin declared any setting (an empty schema means undeclared).
    public var isDeclared: Bool { !settings.isEmpty }

    /// The declared keys, in order.
    public var keys: [String] { settings.map(\.key) }

    /// The keys of the secret settings.
    public var secretKeys: Set<String> { Set(settings.filter(\.isSecret).map(\.key)) }

    /// The setting called `key`, if declared.
    public subscript(key: String) -> PluginSetting? {
        settings.first { $0.key == key }
    }

    /// Everything wrong with `given`, in this order: the unknown keys (one
    /// error naming them all), then each declared setting that is required
    /// but missing or has a value of the wrong form. Empty when `given` is
    /// accepted, and always for an undeclared schema.
    public func problems(in given: PluginSettings) -> [PluginSettingsError] {
        guard isDeclared else { return [] }
        var problems: [PluginSettingsError] = []
        let declared = Set(keys)
        let unknown = given.values.keys.filter { !declared.contains($0) }.sorted()
        if !unknown.isEmpty { problems.append(.unknownKeys(plugin: given.plugin, keys: unknown)) }
        for setting in settings {
            guard let value = given[setting.key] else {
                if setting.isRequired { problems.append(.missing(plugin: given.plugin, key: setting.key)) }
                continue
            }
            if setting.isRequired, value.trimmingSpaces.isEmpty {
                problems.append(.missing(plugin: given.plugin, key: setting.key))
            } else if let problem = setting.problem(with: value, plugin: given.plugin) {
                problems.append(problem)
            }
        }
        return problems
    }

    /// Throws the first of ``problems(in:)``, if any.
    public func validate(_ given: PluginSettings) throws(PluginSettingsError) {
        if let first = problems(in: given).first { throw first }
    }
}
