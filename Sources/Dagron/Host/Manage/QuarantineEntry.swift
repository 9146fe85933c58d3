import Foundation

/// What the quarantine remembers about one plugin file: the plugin's name,
/// which file it was (path and identity), its latest fault, and how many
/// faults it had since when.
public struct QuarantineEntry: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The plugin's name when it last faulted.
    public var plugin: String
    /// The plugin file, symbolic links resolved.
    public var file: String
    /// The file's identity when it faulted; the entry applies only while the file still has it.
    public var identity: PluginFileIdentity
    /// The latest fault.
    public var fault: PluginFault
    /// How many faults were recorded for this file (at least 1).
    public var count: Int
    /// When the first of them happened, seconds since the Unix epoch.
    public var firstAt: Double

    /// Creates an entry.
    public init(
        plugin: String, file: String, identity: PluginFileIdentity, fault: PluginFault, count: Int, firstAt: Double
    ) {
        self.plugin = plugin
        self.file = file
        self.identity = identity
        self.fault = fault
        self.count = count
        self.firstAt = firstAt
    }

    /// The fault, when, and how often, on one line:
    /// `crashed with signal 6 (SIGABRT) in post_node (node 'b') at 2026-12-03 10:11:12 UTC, 2 times`.
    public var summary: String {
        let times = count > 1 ? ", \(count) times" : ""
        return Self.oneLine("\(fault) at \(Self.utcText(fault.at))\(times)")
    }

    /// The line `dagron plugins list` shows under a quarantined plugin: the
    /// ``summary``, then what follows from it and how to end it.
    public var description: String {
        Self.oneLine(
            "\(summary); run isolated until rebuilt or cleared (dagron plugins clear \(Self.shellWord(plugin)))")
    }

    /// Whether the values read from a file make sense: a name, an absolute
    /// path, a positive count and finite times. Entries that do not are dropped.
    var isPlausible: Bool {
        !plugin.isEmpty && file.hasPrefix("/") && count >= 1 && firstAt.isFinite && fault.at.isFinite
    }

    /// `2026-12-03 10:11:12 UTC`, or `an unknown time` for a time no calendar can show.
    public static func utcText(_ time: Double) -> String {
        guard time.isFinite, var seconds = time_t(exactly: time.rounded(.down)) else { return "an unknown time" }
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "an unknown time" }
        let year = Int(parts.tm_year) + 1900
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(year)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) UTC"
    }

    /// `text` with line breaks made spaces, so a detail cannot break the one-line form.
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// `name` as one shell word: bare when it is plain, single-quoted otherwise.
    private static func shellWord(_ name: String) -> String {
        let plain = name.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-+@".unicodeScalars.contains($0))
        }
        return plain ? name : "'" + name.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
