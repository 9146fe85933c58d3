public import DagronSDK
import Foundation

/// Reading the settings the cluster executors share, with errors that name the key.
extension PluginSettings {
    /// `key` as a duration within `bounds`, or `defaultValue` when unset: a
    /// number of seconds (`2`, `0.5`) or numbers with units `ms`, `s`, `m`, `h`
    /// (`2s`, `500ms`, `1m30s`).
    public func duration(_ key: String, default defaultValue: Double, within bounds: DurationBounds)
        throws(PluginSettingsError) -> Double
    {
        guard let raw = self[key] else { return defaultValue }
        guard let seconds = Self.durationSeconds(raw), bounds.contains(seconds) else {
            throw .malformed(
                plugin: plugin, key: key, value: raw, expected: "a duration such as 2 or \"2s\", \(bounds)")
        }
        return seconds
    }

    /// `key` as a list of strings, `[]` when unset: a JSON array of strings
    /// (`["--exclusive", "--nice=10"]`, how a YAML list is written as one
    /// value) or a command line split into words as `/bin/sh` would,
    /// without expansions (`--exclusive '--comment=a b'`).
    /// - Throws: ``PluginSettingsError/malformed(plugin:key:value:expected:)``
    ///   naming `key` for an array holding anything but strings, or an
    ///   unterminated quote.
    public func words(_ key: String) throws(PluginSettingsError) -> [String] {
        guard let raw = self[key] else { return [] }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("[") {
            guard
                let parsed = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed]),
                let array = parsed as? [Any]
            else {
                throw .malformed(
                    plugin: plugin, key: key, value: raw,
                    expected: "a list of strings such as [\"--exclusive\"], or words")
            }
            var strings: [String] = []
            for (index, item) in array.enumerated() {
                // JSONSerialization hands numbers and booleans back as NSNumber, never as String.
                guard let string = item as? String, !(item is NSNumber) else {
                    throw .malformed(
                        plugin: plugin, key: key, value: raw,
                        expected: "a list of strings (item \(index + 1) is \(Self.describeJSON(item)))")
                }
                strings.append(string)
            }
            return strings
        }
        do {
            return try ShellQuoting.split(raw)
        } catch {
            throw .malformed(
                plugin: plugin, key: key, value: raw, expected: "words split as by /bin/sh (\(error.description))")
        }
    }

    /// The seconds `text` stands for, or `nil`.
    static func durationSeconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let plain = Double(trimmed) { return plain.isFinite ? plain : nil }
        var total = 0.0
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            guard let value = Double(number), value.isFinite, let scale = unitSeconds[String(unit)] else { return nil }
            total += value * scale
        }
        return total.isFinite ? total : nil
    }

    private static let unitSeconds: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3_600]

    private static func describeJSON(_ item: Any) -> String {
        switch item {
        case is NSNull: "null"
        case let number as NSNumber: "the non-string \(number)"
        case is [Any]: "a list"
        case is [String: Any]: "a mapping"
        default: "not a string"
        }
    }
}
