@_spi(DagronHost) import DagronSDK
import Foundation

/// A cache of probe results keyed by each plugin file's identity, like
/// GStreamer's registry: `dagron plugins list` only starts a probe process
/// for files that are new or changed since the last listing.
///
/// A record is reused only when the candidate (path, declared name, factory
/// symbol), the file's device, inode, size, modification and status-change
/// times, owner and mode, its directory's owner and mode, whether the
/// directories above pass the safety checks, the safety policy
/// and the host (its executable's identity and plugin ABI) are all unchanged.
/// A `chmod`, a rebuilt plugin or a new `dagron` therefore re-probes. Plugins
/// that crashed are cached too, so they are not run again until they change.
///
/// The file lives at `$XDG_CACHE_HOME/dagron/plugin-registry.json` (default
/// `~/.cache/dagron/…`). Set `DAGRON_PLUGIN_CACHE=0` to bypass it; a cache
/// that cannot be read or written is ignored.
public struct PluginRegistryCache: Sendable {
    /// The cache file.
    public var path: String

    /// `DAGRON_PLUGIN_CACHE`: `0` disables the cache, any other value is the cache file's path.
    public static let environmentVariable = "DAGRON_PLUGIN_CACHE"

    /// Creates a cache stored at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The cache the environment asks for, or `nil` when disabled or there is no home directory.
    public static func standard(environment: [String: String] = PluginSearchPath.processEnvironment())
        -> PluginRegistryCache?
    {
        if let setting = environment[environmentVariable] {
            if ["0", "off", "no", "false"].contains(setting.lowercased()) { return nil }
            if setting.hasPrefix("/") { return PluginRegistryCache(path: setting) }
        }
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return PluginRegistryCache(path: cache + "/dagron/plugin-registry.json")
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return PluginRegistryCache(path: home + "/.cache/dagron/plugin-registry.json")
    }

    private struct Stored: Codable {
        var host: String
        var entries: [String: PluginRecord]
    }

    /// Returns one record per candidate, probing (with `probe`, in one child
    /// process) only the candidates not cached, then saves the cache.
    public func records(
        for candidates: [PluginCandidate],
        probe: IsolatedPluginProbe,
        policy: PluginSafetyPolicy
    ) -> [PluginRecord] {
        let host = Self.hostFingerprint()
        var stored = load(host: host)
        let keys = candidates.map { Self.key(for: $0, policy: policy) }
        var records: [PluginRecord?] = zip(candidates, keys).map { candidate, key in
            guard let key, var record = stored.entries[key] else { return nil }
            record.candidate = candidate
            return record
        }
        let missing = records.indices.filter { records[$0] == nil }
        if !missing.isEmpty {
            let probed = probe.probe(missing.map { candidates[$0] }, policy: policy)
            for (index, record) in zip(missing, probed) {
                records[index] = record
                if let key = keys[index] { stored.entries[key] = record }
            }
            // Forget files no longer present in this listing's candidates only if they are gone.
            stored.entries = stored.entries.filter { key, _ in
                keys.contains(key)
                    || FileManager.default.fileExists(atPath: String(key.split(separator: "\u{1F}").first ?? ""))
            }
            save(stored)
        }
        return records.map { $0! }
    }

    /// The records cached for `candidates` (`nil` where none is), without
    /// probing anything or writing the cache: for shell completion, which
    /// must answer at once and never run plugin code.
    public func cachedRecords(for candidates: [PluginCandidate], policy: PluginSafetyPolicy) -> [PluginRecord?] {
        let stored = load(host: Self.hostFingerprint())
        return candidates.map { candidate in
            guard let key = Self.key(for: candidate, policy: policy), var record = stored.entries[key] else {
                return nil
            }
            record.candidate = candidate
            return record
        }
    }

    private func load(host: String) -> Stored {
        guard let data = FileManager.default.contents(atPath: path),
            let stored = try? JSONDecoder().decode(Stored.self, from: data),
            stored.host == host
        else { return Stored(host: host, entries: [:]) }
        return stored
    }

    private func save(_ stored: Stored) {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard let data = try? JSONEncoder().encode(stored) else { return }
        // Atomic replace, so a concurrent listing never reads half a file.
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The identity of a candidate's file, directory and the policy; `nil` if the file cannot be `lstat`ed.
    static func key(for candidate: PluginCandidate, policy: PluginSafetyPolicy) -> String? {
        var file = stat()
        guard lstat(candidate.path, &file) == 0 else { return nil }
        var directory = stat()
        let directoryPath = (candidate.path as NSString).deletingLastPathComponent
        let haveDirectory = stat(directoryPath, &directory) == 0
        let fields: [String] = [
            candidate.path, candidate.declaredName ?? "", candidate.factorySymbol,
            policy == .strict ? "strict" : "relaxed",
            "\(file.st_dev)", "\(file.st_ino)", "\(file.st_size)",
            "\(file.st_mtim.tv_sec).\(file.st_mtim.tv_nsec)", "\(file.st_ctim.tv_sec).\(file.st_ctim.tv_nsec)",
            "\(file.st_uid)", "\(file.st_mode)",
            haveDirectory ? "\(directory.st_uid):\(directory.st_mode)" : "-",
            // The directories above count too: one made writable re-probes (and is refused).
            policy.directoryViolation(directoryPath)?.description ?? "chain ok",
        ]
        return fields.joined(separator: "\u{1F}")
    }

    /// The running host: its executable's identity and the plugin ABI.
    static func hostFingerprint() -> String {
        var executable = stat()
        let path = PluginSearchPath.currentExecutablePath() ?? ""
        _ = stat(path, &executable)
        return
            "\(path)|\(executable.st_size)|\(executable.st_mtim.tv_sec).\(executable.st_mtim.tv_nsec)|abi \(DagronPluginABI.runtimeVersion)|sdk \(DagronPluginABI.sdkVersion)|uid \(geteuid())"
    }
}
