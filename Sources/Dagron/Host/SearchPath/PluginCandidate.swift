@_spi(DagronHost) public import DagronSDK

/// A file the scanner thinks is a plugin, before anything is loaded from it.
public struct PluginCandidate: Sendable, Equatable, Codable {
    /// How the candidate was found.
    public enum Source: Sendable, Equatable, Codable {
        /// Declared in a `dagron.plugins` manifest, at this line.
        case manifest(file: String, line: Int)
        /// A `*.so` in a plugin directory that exports the default factory symbol.
        case directory
        /// Named explicitly (`dagron plugins check FILE`).
        case explicit
    }

    /// The name the manifest declares; `nil` for dropped-in files, whose name
    /// is only known once loaded.
    public var declaredName: String?
    /// The shared object, absolute.
    public var path: String
    /// The factory symbol to call.
    public var factorySymbol: String
    /// Default settings from the manifest.
    public var settings: [String: String]
    /// The search-path directory it was found in (`nil` for explicit files).
    public var directory: String?
    /// How it was found.
    public var source: Source

    /// Creates a candidate.
    public init(
        declaredName: String? = nil,
        path: String,
        factorySymbol: String = DagronPluginABI.factorySymbol,
        settings: [String: String] = [:],
        directory: String? = nil,
        source: Source = .explicit
    ) {
        self.declaredName = declaredName
        self.path = path
        self.factorySymbol = factorySymbol
        self.settings = settings
        self.directory = directory
        self.source = source
    }
}
