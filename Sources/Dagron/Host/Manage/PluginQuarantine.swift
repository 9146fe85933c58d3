import Foundation

/// The plugins that crashed, exited, stalled or fell behind in a run, kept
/// across runs so that `dagron plugins list` and `info` can say why, and so
/// that a run can keep such a plugin isolated until it is rebuilt or cleared.
///
/// Records are keyed by the plugin file (symbolic links resolved) and its
/// identity (device, inode, size, modification time): a rebuilt, replaced
/// or touched file is no longer quarantined, and its old entry is dropped at
/// the next write. Each file keeps its latest fault, how many faults it had
/// and the time of the first.
///
/// The store lives at `$XDG_STATE_HOME/dagron/quarantine.json` (default
/// `~/.local/state/dagron/quarantine.json`); `DAGRON_QUARANTINE=<absolute path>`
/// moves it and `DAGRON_QUARANTINE=0` disables it. A missing, corrupt,
/// oversized or unreadable file, a directory or a symbolic link in its place
/// read as an empty quarantine; writes are atomic and take turns with other
/// `dagron` processes (see ``LockedStateFile``).
public struct PluginQuarantine: Sendable {
    /// The store's file.
    public var path: String

    /// `DAGRON_QUARANTINE`: `0` disables the quarantine, an absolute path moves its file.
    public static let environmentVariable = "DAGRON_QUARANTINE"

    /// The most bytes read from the file (4 MiB); a larger file reads as empty.
    public static let readLimit = 4 << 20

    /// The most entries kept; the ones whose last fault is oldest go first.
    public static let entryLimit = 512

    /// The most characters of a fault's detail kept; the rest is cut off.
    public static let detailLimit = 1000

    /// Creates a quarantine stored at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The quarantine the environment asks for, or `nil` when disabled or
    /// when there is neither `XDG_STATE_HOME` nor a home directory.
    public static func standard(environment: [String: String] = PluginSearchPath.processEnvironment())
        -> PluginQuarantine?
    {
        if let setting = environment[environmentVariable], !setting.isEmpty {
            if ["0", "off", "no", "false"].contains(setting.lowercased()) { return nil }
            if setting.hasPrefix("/") { return PluginQuarantine(path: setting) }
        }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return PluginQuarantine(path: state + "/dagron/quarantine.json")
        }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return nil }
        return PluginQuarantine(path: home + "/.local/state/dagron/quarantine.json")
    }

    // MARK: Recording

    /// Records that plugin `name`, loaded from `path`, had `fault`. A second
    /// fault of the same unchanged file replaces the first and counts it.
    /// A detail longer than ``detailLimit`` is cut.
    /// - Returns: `nil`, or a warning (naming the file and the reason) when
    ///   the fault could not be recorded. Never throws.
    @discardableResult
    public func record(plugin name: String, file path: String, fault: PluginFault) -> String? {
        var fault = fault
        if let detail = fault.detail, detail.count > Self.detailLimit {
            fault.detail = String(detail.prefix(Self.detailLimit)) + "…"
        }
        guard let (file, identity) = PluginFileIdentity.resolve(path) else {
            return
                "cannot quarantine plugin '\(name)': \(path) can no longer be examined (\(String(cString: strerror(errno))))"
        }
        do {
            try update { entries in
                if let index = entries.firstIndex(where: { $0.file == file && $0.identity == identity }) {
                    let earlier = entries[index]
                    entries[index] = QuarantineEntry(
                        plugin: name, file: file, identity: identity, fault: fault,
                        count: earlier.count < Int.max ? earlier.count + 1 : earlier.count,
                        firstAt: min(earlier.firstAt, fault.at))
                } else {
                    entries.removeAll { $0.file == file }
                    entries.append(
                        QuarantineEntry(
                            plugin: name, file: file, identity: identity, fault: fault, count: 1, firstAt: fault.at))
                }
            }
            return nil
        } catch {
            return "cannot quarantine plugin '\(name)': \(error)"
        }
    }

    // MARK: Reading

    /// The entry for the file `path` names, or `nil` when it has none or the
    /// file changed (or vanished) since its fault.
    public func entry(forFile path: String) -> QuarantineEntry? {
        entries(forFiles: [path])[path]
    }

    /// The entries for the files `paths` name (reading the store once), keyed
    /// by the paths as given; files without a current entry are left out.
    public func entries(forFiles paths: [String]) -> [String: QuarantineEntry] {
        let stored = load()
        guard !stored.isEmpty else { return [:] }
        let byFile = Dictionary(stored.map { ($0.file, $0) }, uniquingKeysWith: { first, _ in first })
        var found: [String: QuarantineEntry] = [:]
        for path in paths {
            if let (file, identity) = PluginFileIdentity.resolve(path), let entry = byFile[file],
                entry.identity == identity
            {
                found[path] = entry
            }
        }
        return found
    }

    /// Every entry whose file is unchanged since its fault, by plugin name then file.
    public func entries() -> [QuarantineEntry] {
        load().filter(\.isCurrent).sorted { ($0.plugin, $0.file) < ($1.plugin, $1.file) }
    }

    // MARK: Clearing

    /// Removes the entry of the file `path` names.
    /// - Returns: How many entries were removed (0 or 1).
    /// - Throws: ``StateFileError`` when the store cannot be written.
    @discardableResult
    public func clear(file path: String) throws(StateFileError) -> Int {
        let file = PluginFileIdentity.resolve(path)?.path ?? PluginSearchPath.absolute(path)
        return try remove { $0.file == file }
    }

    /// Removes every current entry of plugin `name`.
    /// - Returns: How many entries were removed.
    /// - Throws: ``StateFileError`` when the store cannot be written.
    @discardableResult
    public func clear(plugin name: String) throws(StateFileError) -> Int {
        try remove { $0.plugin == name }
    }

    /// Removes every entry.
    /// - Returns: How many current entries there were.
    /// - Throws: ``StateFileError`` when the store cannot be written.
    @discardableResult
    public func clearAll() throws(StateFileError) -> Int {
        try remove { _ in true }
    }

    // MARK: Storage

    /// The file's format: a version and the entries.
    private struct Stored: Codable {
        static let currentFormat = 1
        var format: Int
        var entries: [QuarantineEntry]

        init(entries: [QuarantineEntry]) {
            format = Self.currentFormat
            self.entries = entries
        }

        /// Decodes the entries one by one, skipping any that do not decode.
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            format = try container.decode(Int.self, forKey: .format)
            entries = try container.decode([Lenient].self, forKey: .entries).compactMap(\.entry)
        }
    }

    /// One entry of the file, or `nil` for one that did not decode.
    private struct Lenient: Decodable {
        var entry: QuarantineEntry?
        init(from decoder: any Decoder) throws {
            entry = try? QuarantineEntry(from: decoder)
        }
    }

    /// Removes the entries `matching` selects among the current ones.
    private func remove(_ matching: (QuarantineEntry) -> Bool) throws(StateFileError) -> Int {
        var removed = 0
        try update { entries in
            removed = entries.count(where: matching)
            entries.removeAll(where: matching)
        }
        return removed
    }

    /// Reads the current entries under the store's lock, lets `change` edit
    /// them, and writes the result. Entries for changed or vanished files are
    /// dropped first, then the oldest beyond ``entryLimit``.
    private func update(_ change: (inout [QuarantineEntry]) -> Void) throws(StateFileError) {
        try LockedStateFile(path: path, readLimit: Self.readLimit).update { data in
            let before = Self.decode(data)
            var entries = before.filter(\.isCurrent)
            change(&entries)
            guard entries != before else { return nil }
            if entries.count > Self.entryLimit {
                entries = Array(entries.sorted { $0.fault.at > $1.fault.at }.prefix(Self.entryLimit))
            }
            entries.sort { ($0.plugin, $0.file) < ($1.plugin, $1.file) }
            guard var encoded = try? DocumentJSON.encoder().encode(Stored(entries: entries)) else { return nil }
            encoded.append(0x0A)
            return encoded
        }
    }

    /// The plausible entries of the file, or none.
    private func load() -> [QuarantineEntry] {
        Self.decode(LockedStateFile(path: path, readLimit: Self.readLimit).contents())
    }

    private static func decode(_ data: Data?) -> [QuarantineEntry] {
        guard let data, !data.isEmpty,
            let stored = try? JSONDecoder().decode(Stored.self, from: data),
            stored.format == Stored.currentFormat
        else { return [] }
        return stored.entries.filter(\.isPlausible)
    }
}

extension QuarantineEntry {
    /// Whether its file still exists with the identity it had when it faulted.
    var isCurrent: Bool {
        guard let (path, identity) = PluginFileIdentity.resolve(file) else { return false }
        return path == file && identity == self.identity
    }
}
