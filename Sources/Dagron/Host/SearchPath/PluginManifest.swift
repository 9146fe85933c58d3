@_spi(DagronHost) import DagronSDK
import Foundation

/// A parsed `dagron.plugins` file: the entry points of one plugin directory.
///
/// The format is the analogue of Python entry points, one entry per line:
///
/// ```
/// # Bundled plugins
/// event-recorder = "libDagronEventRecorder.so:dagron_plugin_create"
/// event-recorder.file = "/tmp/events.jsonl"   # a per-entry setting
/// timing = "libDagronTiming.so"                 # factory defaults to dagron_plugin_create
/// ```
///
/// - `name = "library.so[:factory_symbol]"` declares a plugin. The library
///   path is relative to the manifest's directory unless absolute.
/// - `name.key = "value"` gives the entry a default setting (overridden by
///   the user's settings). The entry must be declared earlier in the file.
/// - `#` starts a comment; blank lines are ignored; values may be quoted
///   with `"` (with `\"` and `\\` escapes) or bare.
///
/// A malformed line is reported as a ``PluginManifestError`` naming the file
/// and line, and the rest of the file still loads.
public struct PluginManifest: Sendable, Equatable {
    /// The manifest's file name inside a plugin directory.
    public static let fileName = "dagron.plugins"

    /// One declared plugin.
    public struct Entry: Sendable, Equatable {
        /// The plugin name the entry declares (what `--plugin NAME` looks up).
        public var name: String
        /// The library, absolute.
        public var path: String
        /// The factory symbol (``DagronPluginABI/factorySymbol`` unless given).
        public var factorySymbol: String
        /// Default settings from `name.key = value` lines.
        public var settings: [String: String]
        /// The line that declared it (1-based).
        public var line: Int
    }

    /// The manifest file, absolute.
    public var path: String
    /// The valid entries, in file order.
    public var entries: [Entry]
    /// The lines that could not be parsed.
    public var errors: [PluginManifestError]

    /// Parses `text` as the manifest at `path` (relative libraries resolve against its directory).
    public init(path: String, text: String) {
        self.path = path
        self.entries = []
        self.errors = []
        let directory = (path as NSString).deletingLastPathComponent
        var index: [String: Int] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            func fail(_ message: String) {
                errors.append(PluginManifestError(file: path, line: number, message: message))
            }
            let line: Substring
            let value: String
            do {
                guard let parsed = try Self.split(rawLine) else { continue }
                (line, value) = parsed
            } catch {
                fail(error.message)
                continue
            }
            let key = line.trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else {
                fail("missing plugin name before '='")
                continue
            }
            if let dot = key.firstIndex(of: ".") {
                let name = String(key[..<dot])
                let setting = String(key[key.index(after: dot)...])
                guard Self.isValidName(name), !setting.isEmpty, !setting.contains(where: \.isWhitespace) else {
                    fail("invalid setting name '\(key)' (expected plugin.key)")
                    continue
                }
                guard let entry = index[name] else {
                    fail("setting '\(setting)' for '\(name)', which is not declared above")
                    continue
                }
                entries[entry].settings[setting] = value
                continue
            }
            guard Self.isValidName(key) else {
                fail("invalid plugin name '\(key)' (use letters, digits, '-' and '_')")
                continue
            }
            let parts = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let library = parts[0].trimmingCharacters(in: .whitespaces)
            let symbol = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : DagronPluginABI.factorySymbol
            guard !library.isEmpty else {
                fail("entry '\(key)' has no library (expected \"libfile.so:factory_symbol\")")
                continue
            }
            guard !symbol.isEmpty, symbol.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                fail("entry '\(key)' has an invalid factory symbol '\(symbol)'")
                continue
            }
            guard index[key] == nil else {
                fail("plugin '\(key)' is declared twice (first on line \(entries[index[key]!].line))")
                continue
            }
            let absolute = library.hasPrefix("/") ? library : (directory as NSString).appendingPathComponent(library)
            index[key] = entries.count
            entries.append(Entry(name: key, path: absolute, factorySymbol: symbol, settings: [:], line: number))
        }
    }

    /// Reads and parses the manifest at `path`; `nil` if there is no such file.
    ///
    /// Under ``PluginSafetyPolicy/strict`` the manifest gets the checks a
    /// plugin file gets (``PluginSafetyPolicy``): it can name any library and
    /// set any plugin's settings, so a manifest that someone else could have
    /// written is refused whole, and the result holds only that error. An
    /// unreadable file likewise yields a manifest whose only content is an error.
    public static func load(path: String, policy: PluginSafetyPolicy = .current()) -> PluginManifest? {
        let text: String
        do {
            let file = try UserTextFile(path: path, noFollow: policy == .strict)
            if let violation = policy.violation(
                file: file.status, directoryPath: (path as NSString).deletingLastPathComponent)
            {
                return failed(
                    path: path,
                    "refused: \(violation); its entries are ignored (see `dagron plugins list --help` on plugin safety)"
                )
            }
            text = try file.text(limit: maximumBytes)
        } catch .missing {
            return nil
        } catch .unreadable(let code) where code == ELOOP && policy == .strict {
            return failed(path: path, "refused: a symbolic link (not followed); its entries are ignored")
        } catch {
            return failed(path: path, error.message(for: "a plugin manifest"))
        }
        return PluginManifest(path: path, text: text)
    }

    /// The largest manifest read: a manifest is a line per plugin.
    static let maximumBytes = 1 << 20

    /// A manifest with no entries and one whole-file error.
    private static func failed(path: String, _ message: String) -> PluginManifest {
        var manifest = PluginManifest(path: path, text: "")
        manifest.errors.append(PluginManifestError(file: path, line: 0, message: message))
        return manifest
    }

    static func isValidName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    }

    private struct LineError: Error { let message: String }

    /// Splits a line into the part before `=` and the unquoted value,
    /// dropping comments. `nil` for blank and comment-only lines.
    private static func split(_ line: Substring) throws(LineError) -> (Substring, String)? {
        let trimmed = line.drop { $0.isWhitespace }
        if trimmed.isEmpty || trimmed.first == "#" { return nil }
        guard let equals = trimmed.firstIndex(of: "=") else {
            throw LineError(message: "expected 'name = \"libfile.so:factory_symbol\"' or 'name.key = \"value\"'")
        }
        let key = trimmed[..<equals]
        var rest = trimmed[trimmed.index(after: equals)...].drop { $0.isWhitespace }
        var value = ""
        if rest.first == "\"" {
            rest = rest.dropFirst()
            var closed = false
            var escaped = false
            var index = rest.startIndex
            while index < rest.endIndex {
                let character = rest[index]
                index = rest.index(after: index)
                if escaped {
                    value.append(character)
                    escaped = false
                    continue
                }
                if character == "\\" {
                    escaped = true
                    continue
                }
                if character == "\"" {
                    closed = true
                    break
                }
                value.append(character)
            }
            guard closed else { throw LineError(message: "unterminated string (missing closing '\"')") }
            let tail = rest[index...].drop { $0.isWhitespace }
            guard tail.isEmpty || tail.first == "#" else {
                throw LineError(message: "unexpected text after the closing quote: '\(tail)'")
            }
        } else {
            let uncommented = rest.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            value = uncommented.trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw LineError(message: "missing value after '='") }
        }
        return (key, value)
    }
}

/// A `dagron.plugins` line that could not be parsed.
public struct PluginManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The manifest file.
    public var file: String
    /// The 1-based line number (0 when the whole file is unreadable).
    public var line: Int
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, the form editors jump to (`file: message` for
    /// the whole file).
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}
