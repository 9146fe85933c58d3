#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The settings a user gave a plugin, as strings keyed by setting name.
///
/// The host merges them from the pipeline file's `plugins:` table, the
/// environment and `--set plugin.key=value` before calling
/// ``DagronPlugin/configure(_:)``. The typed accessors throw a
/// ``PluginSettingsError`` that names the plugin and the key.
public struct PluginSettings: Sendable, Equatable {
    /// The plugin the settings are for (used in error messages).
    public let plugin: String
    /// The raw values.
    public let values: [String: String]

    /// Creates settings for `plugin`.
    public init(plugin: String, _ values: [String: String] = [:]) {
        self.plugin = plugin
        self.values = values
    }

    /// Whether no setting was given.
    public var isEmpty: Bool { values.isEmpty }

    /// The raw value of `key`, if set.
    public subscript(key: String) -> String? { values[key] }

    /// The value of `key`, or `defaultValue` when unset.
    public func string(_ key: String, default defaultValue: String) -> String {
        values[key] ?? defaultValue
    }

    /// The value of `key`; throws ``PluginSettingsError/missing(plugin:key:)`` when unset or empty.
    public func required(_ key: String) throws(PluginSettingsError) -> String {
        guard let value = values[key], !value.isEmpty else { throw .missing(plugin: plugin, key: key) }
        return value
    }

    /// `key` as an integer, or `defaultValue` when unset.
    public func int(_ key: String, default defaultValue: Int) throws(PluginSettingsError) -> Int {
        guard let raw = values[key] else { return defaultValue }
        guard let value = Int(raw.trimmingSpaces) else {
            throw .malformed(plugin: plugin, key: key, value: raw, expected: "an integer")
        }
        return value
    }

    /// `key` as a number, or `defaultValue` when unset.
    public func double(_ key: String, default defaultValue: Double) throws(PluginSettingsError) -> Double {
        guard let raw = values[key] else { return defaultValue }
        guard let value = Double(raw.trimmingSpaces), value.isFinite else {
            throw .malformed(plugin: plugin, key: key, value: raw, expected: "a number")
        }
        return value
    }

    /// `key` as an integer within `bounds`, or `defaultValue` when unset.
    ///
    /// Throws ``PluginSettingsError/malformed(plugin:key:value:expected:)``
    /// naming the key and the accepted range for anything else (`1e10`,
    /// `-1`, a number past the upper bound).
    public func int(_ key: String, default defaultValue: Int, within bounds: IntegerBounds) throws(PluginSettingsError)
        -> Int
    {
        guard let raw = values[key] else { return defaultValue }
        guard let value = bounds.read(raw) else {
            throw .malformed(plugin: plugin, key: key, value: raw, expected: "an integer \(bounds)")
        }
        return value
    }

    /// `key` as a number of seconds within `bounds`, or `defaultValue` when unset.
    ///
    /// Throws ``PluginSettingsError/malformed(plugin:key:value:expected:)``
    /// naming the key and the accepted range for anything else (`nan`,
    /// `inf`, `1e300`, `1e-12`, a negative number), so the value converts
    /// to a `Duration` or to milliseconds without trapping.
    public func seconds(_ key: String, default defaultValue: Double, within bounds: DurationBounds)
        throws(PluginSettingsError) -> Double
    {
        guard let raw = values[key] else { return defaultValue }
        guard let value = Double(raw.trimmingSpaces), bounds.contains(value) else {
            throw .malformed(plugin: plugin, key: key, value: raw, expected: "a number of seconds \(bounds)")
        }
        return value
    }

    /// `key` as the path of a file the plugin will write, or `nil` when unset.
    ///
    /// A relative path comes back absolute, resolved against the working
    /// directory now (in `configure`, where dagron was started): the file
    /// lands where the user meant even if something in the process changes
    /// the working directory before the plugin writes it.
    ///
    /// Throws ``PluginSettingsError/missing(plugin:key:)`` for an empty value
    /// and ``PluginSettingsError/malformed(plugin:key:value:expected:)`` when
    /// the file's folder does not exist: checked in `configure`, so
    /// `dagron validate` reports it as `dagron run` would, before any node runs.
    public func filePath(_ key: String) throws(PluginSettingsError) -> String? {
        guard let path = values[key] else { return nil }
        guard !path.isEmpty else { throw .missing(plugin: plugin, key: key) }
        try checkFolder(of: path, key: key)
        return Self.absolute(path)
    }

    /// `path` joined to the working directory unless it is absolute (or the
    /// working directory cannot be read).
    private static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let directory = getcwd(nil, 0) else { return path }
        defer { free(directory) }
        let base = String(cString: directory)
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// Throws ``PluginSettingsError/malformed(plugin:key:value:expected:)``
    /// naming `key` unless the folder `path` would be written in exists and
    /// `path` itself is not a folder.
    public func checkFolder(of path: String, key: String) throws(PluginSettingsError) {
        let cut = path.lastIndex(of: "/")
        let folder = cut.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        var status = stat()
        guard !path.unicodeScalars.contains("\0"), stat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw .malformed(
                plugin: plugin, key: key, value: path, expected: "a file in an existing folder ('\(folder)' is not one)"
            )
        }
        if path.hasSuffix("/") || (stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR) {
            throw .malformed(plugin: plugin, key: key, value: path, expected: "a file, not a folder")
        }
    }

    /// `key` as a boolean (`true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`),
    /// or `defaultValue` when unset.
    public func bool(_ key: String, default defaultValue: Bool) throws(PluginSettingsError) -> Bool {
        guard let raw = values[key] else { return defaultValue }
        switch raw.trimmingSpaces.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw .malformed(plugin: plugin, key: key, value: raw, expected: "true or false")
        }
    }

    /// `key` as one of `choices`, or `defaultValue` when unset.
    public func choice(_ key: String, in choices: [String], default defaultValue: String) throws(PluginSettingsError)
        -> String
    {
        guard let raw = values[key] else { return defaultValue }
        guard choices.contains(raw) else {
            throw .malformed(
                plugin: plugin, key: key, value: raw,
                expected: "one of " + choices.joined(separator: ", "))
        }
        return raw
    }

    /// Throws ``PluginSettingsError/unknownKeys(plugin:keys:)`` if a key
    /// outside `allowed` was given (a typo should not pass silently).
    public func rejectUnknownKeys(allowed: Set<String>) throws(PluginSettingsError) {
        let unknown = values.keys.filter { !allowed.contains($0) }.sorted()
        if !unknown.isEmpty { throw .unknownKeys(plugin: plugin, keys: unknown) }
    }
}

/// A setting is missing, malformed or unknown.
public enum PluginSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A required setting was not given.
    case missing(plugin: String, key: String)
    /// A setting has a value of the wrong form. `value` is what was given.
    case malformed(plugin: String, key: String, value: String, expected: String)
    /// Settings the plugin does not know.
    case unknownKeys(plugin: String, keys: [String])

    /// A sentence naming the plugin and the key.
    public var description: String {
        switch self {
        case .missing(let plugin, let key):
            "plugin '\(plugin)': missing setting '\(key)' (set it under plugins.\(plugin).\(key) or with --set \(plugin).\(key)=...)"
        case .malformed(let plugin, let key, let value, let expected):
            "plugin '\(plugin)': setting '\(key)' is '\(value)', expected \(expected)"
        case .unknownKeys(let plugin, let keys):
            "plugin '\(plugin)': unknown setting\(keys.count == 1 ? "" : "s") "
                + keys.map { "'\($0)'" }.joined(separator: ", ")
        }
    }
}
