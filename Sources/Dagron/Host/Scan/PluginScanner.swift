@_spi(DagronHost) import DagronSDK
import Foundation

/// Finds plugin candidates along a ``PluginSearchPath`` without loading any code.
///
/// In each directory, in search-path order, the candidates are:
/// 1. the entries of its `dagron.plugins` manifest (``PluginManifest``), in
///    file order, if the manifest passes the safety policy's checks;
/// 2. every other `*.so` whose dynamic symbol table defines
///    `dagron_plugin_create` (read from the ELF file, no `dlopen`), sorted by
///    file name. A `*.so` that is not ELF at all is a candidate too, so that
///    the loader reports it; an ELF library without the factory (such as
///    `libDagronSDK.so` beside the binary in the build tree) is skipped
///    silently, because it is not a plugin.
public struct PluginScanner: Sendable {
    /// The directories to scan.
    public var searchPath: PluginSearchPath
    /// The checks a manifest must pass to be read (see ``PluginManifest/load(path:policy:)``).
    public var policy: PluginSafetyPolicy

    /// Creates a scanner over `searchPath`; manifests are checked under `policy`.
    public init(searchPath: PluginSearchPath, policy: PluginSafetyPolicy = .current()) {
        self.searchPath = searchPath
        self.policy = policy
    }

    /// What a scan found.
    public struct Result: Sendable {
        /// The candidates, in priority order.
        public var candidates: [PluginCandidate] = []
        /// Lines of manifests that could not be parsed.
        public var manifestErrors: [PluginManifestError] = []
    }

    /// Scans every directory of the search path.
    public func scan() -> Result {
        var result = Result()
        for directory in searchPath.directories {
            scan(directory: directory.path, into: &result)
        }
        return result
    }

    /// Scans one directory, appending to `result`.
    public func scan(directory: String, into result: inout Result) {
        var declared: Set<String> = []
        if let manifest = PluginManifest.load(path: directory + "/" + PluginManifest.fileName, policy: policy) {
            result.manifestErrors += manifest.errors
            for entry in manifest.entries {
                declared.insert((entry.path as NSString).standardizingPath)
                result.candidates.append(
                    PluginCandidate(
                        declaredName: entry.name, path: entry.path, factorySymbol: entry.factorySymbol,
                        settings: entry.settings, directory: directory,
                        source: .manifest(file: manifest.path, line: entry.line)))
            }
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names.sorted() where name.hasSuffix(".so") {
            let path = directory + "/" + name
            guard !declared.contains((path as NSString).standardizingPath),
                Self.looksLikePlugin(path: path)
            else { continue }
            result.candidates.append(PluginCandidate(path: path, directory: directory, source: .directory))
        }
    }

    /// Whether a dropped-in file should be offered to the loader: it exports
    /// the default factory, or it is not a readable ELF library of the host's
    /// format (so that the loader can explain what is wrong with it).
    static func looksLikePlugin(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { return true }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return true }
        guard let image = try? ELFImage(descriptor: fd) else { return true }
        guard image.fileClass == 2, image.byteOrder == 1 else { return true }
        return image.definesDynamicSymbol(DagronPluginABI.factorySymbol, descriptor: fd)
    }
}
