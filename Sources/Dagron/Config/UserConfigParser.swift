import DagronSDK
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Reads the user configuration file (``UserConfig``).
///
/// A missing file is no configuration. Anything else that is not a small
/// regular file of valid YAML with known keys and values in range is a
/// ``PipelineError`` whose issues name `file:line:column: key:`, like a
/// pipeline file's: a directory, a FIFO or device (never opened, so it cannot
/// block), a file over ``maximumBytes``, unreadable or non-UTF-8 text, tabs
/// used for indentation (with a hint), a key of the wrong type, a
/// `max_workers` outside ``PipelineLimits/maxWorkers``.
public struct UserConfigParser: Sendable {
    /// The keys allowed at the top level.
    public static let topLevelKeys = ["max_workers", "plugins"]
    /// The largest file read: a configuration is a few lines.
    public static let maximumBytes = 1 << 20

    /// Creates a parser.
    public init() {}

    /// Reads the file at `path`; `nil` when there is none.
    /// - Throws: ``PipelineError`` naming the file (and line, column and key).
    public func parse(fileAt path: String) throws(PipelineError) -> UserConfig? {
        let text: String
        do {
            text = try UserTextFile(path: path).text(limit: Self.maximumBytes)
        } catch .missing {
            // A link to nowhere is a mistake to show, not "no configuration".
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                throw Self.error(path, "is a symbolic link to '\(target)', which does not exist")
            }
            return nil
        } catch {
            throw Self.error(path, error.message(for: "a configuration file"))
        }
        return try parse(text, file: path)
    }

    /// Parses configuration YAML; `file` is used in messages.
    /// - Throws: ``PipelineError``.
    public func parse(_ text: String, file: String) throws(PipelineError) -> UserConfig {
        var issues: [PipelineIssue] = []
        func report(_ node: YAMLNode?, _ key: String, _ message: String) {
            issues.append(
                PipelineIssue(
                    file: file, line: node?.line ?? 0, column: node?.column ?? 0, key: key, message: message
                ))
        }
        let root: YAMLNode?
        do {
            root = try YAMLComposer.compose(text)
        } catch {
            throw PipelineError(issues: [error.issue(file: file, text: text)])
        }
        var config = UserConfig(path: file)
        guard let root, !root.isNull else { return config }
        guard let top = root.mapping else {
            throw PipelineError(issues: [
                PipelineIssue(
                    file: file, line: root.line, column: root.column, key: "",
                    message:
                        "expected a mapping with the keys \(Self.topLevelKeys.joined(separator: ", ")), got \(Self.describe(root))"
                )
            ])
        }
        for (keyNode, value) in top {
            guard let key = keyNode.scalar?.string else {
                report(keyNode, "", "keys must be plain names, got \(Self.describe(keyNode))")
                continue
            }
            switch key {
            case "max_workers":
                if value.scalar != nil, !value.isNull,
                    let count = PipelineLimits.maxWorkers.read(value.string ?? "")
                {
                    config.maxWorkers = count
                    config.maxWorkersLocation = PipelineIssue.position(
                        file, value.line, value.column)
                } else {
                    report(value, key, "expected an integer \(PipelineLimits.maxWorkers), got \(Self.describe(value))")
                }
            case "plugins":
                config.plugins = plugins(value, report: report)
            default:
                report(keyNode, key, "unknown key '\(key)' (allowed: \(Self.topLevelKeys.joined(separator: ", ")))")
            }
        }
        guard issues.isEmpty else { throw PipelineError(issues: issues) }
        return config
    }

    /// The `plugins:` table: name to nothing, `true`, or a mapping of single values.
    private func plugins(_ value: YAMLNode, report: (YAMLNode?, String, String) -> Void) -> [PluginDeclaration] {
        if value.isNull { return [] }
        guard let mapping = value.mapping else {
            report(value, "plugins", "expected a mapping of plugin name to its settings, got \(Self.describe(value))")
            return []
        }
        var result: [PluginDeclaration] = []
        for (keyNode, body) in mapping {
            guard let name = keyNode.scalar?.string, !name.isEmpty else {
                report(keyNode, "plugins", "plugin names must be plain names, got \(Self.describe(keyNode))")
                continue
            }
            let path = "plugins.\(name)"
            var declaration = PluginDeclaration(name: name, line: keyNode.line)
            if body.isNull || (body.resolvedTag == YAMLTag.bool && body.bool == true) {
                result.append(declaration)
                continue
            }
            guard let settings = body.mapping else {
                report(
                    body, path, "expected the plugin's settings as a mapping (or nothing), got \(Self.describe(body))")
                continue
            }
            for (settingKey, settingValue) in settings {
                guard let key = settingKey.scalar?.string, !key.isEmpty else {
                    report(settingKey, path, "setting names must be plain names, got \(Self.describe(settingKey))")
                    continue
                }
                guard let scalar = settingValue.scalar else {
                    report(
                        settingValue, "\(path).\(key)", "expected a single value, got \(Self.describe(settingValue))")
                    continue
                }
                // `file: ~` would reach the plugin as the two characters of a
                // name; an empty `key:` stays an empty value.
                if settingValue.isNull, !scalar.string.isEmpty, settingValue.resolvedTag != YAMLTag.str {
                    report(
                        settingValue, "\(path).\(key)",
                        "expected a value, got nothing (null); quote it ('\(scalar.string)') to mean those characters")
                    continue
                }
                if scalar.string.unicodeScalars.contains("\0") {
                    report(
                        settingValue, "\(path).\(key)", "the value contains a NUL character, which no setting can hold")
                    continue
                }
                declaration.settings[key] = PluginDeclaration.Setting(
                    raw: scalar.string, line: settingValue.line, column: settingValue.column)
            }
            result.append(declaration)
        }
        return result
    }

    private static func error(_ path: String, _ message: String) -> PipelineError {
        PipelineError(issues: [PipelineIssue(file: path, line: 0, column: 0, key: "", message: message)])
    }

    private static func describe(_ node: YAMLNode) -> String {
        switch node.content {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let scalar):
            node.isNull && node.resolvedTag != YAMLTag.str ? "nothing (null)" : "'\(scalar.string)'"
        }
    }
}
