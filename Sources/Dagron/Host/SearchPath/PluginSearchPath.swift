import Foundation

/// The ordered list of directories plugins are discovered in.
///
/// ``standard(pluginPaths:environment:executablePath:)`` builds the order
/// users get:
/// 1. each `--plugin-path DIR` (``Origin/commandLine``), in the order given;
/// 2. `DAGRON_PLUGIN_PATH`, colon-separated (``Origin/environment``);
/// 3. the user directory, `$XDG_DATA_HOME/dagron/plugins` or
///    `~/.local/share/dagron/plugins` (``Origin/user``);
/// 4. the installation's directory, relative to the executable
///    (``Origin/installation``): `<prefix>/lib/dagron/plugins` for an
///    installed `<prefix>/bin/dagron`, otherwise the executable's own
///    directory, where `swift build` puts the bundled plugins.
///
/// A directory listed twice (after resolving symbolic links) is searched once,
/// at its first position. Missing directories are kept and simply yield nothing.
///
/// Entries of `--plugin-path` and `DAGRON_PLUGIN_PATH` must be absolute (`~`
/// is expanded): a relative one would make plugin loading depend on the
/// current folder, so that any `.so` inside a cloned repository could run.
/// ``checked(pluginPaths:environment:executablePath:)`` rejects them with
/// ``RelativePluginPathError``; ``standard(pluginPaths:environment:executablePath:)``
/// leaves them out.
public struct PluginSearchPath: Sendable, Equatable {
    /// Where a directory of the search path came from.
    public enum Origin: String, Sendable, Equatable, Codable {
        /// `--plugin-path`.
        case commandLine = "command-line"
        /// `DAGRON_PLUGIN_PATH`.
        case environment
        /// The per-user data directory.
        case user
        /// Next to the installed (or built) executable.
        case installation
    }

    /// One directory of the search path.
    public struct Directory: Sendable, Equatable {
        /// The directory, absolute.
        public var path: String
        /// Why it is searched.
        public var origin: Origin

        /// Creates an entry.
        public init(path: String, origin: Origin) {
            self.path = path
            self.origin = origin
        }
    }

    /// The environment variable holding extra directories, colon-separated.
    public static let environmentVariable = "DAGRON_PLUGIN_PATH"

    /// The directories, highest priority first.
    public var directories: [Directory]

    /// A search path of exactly `directories` (duplicates removed).
    public init(directories: [Directory]) {
        var seen: Set<String> = []
        self.directories = directories.filter { seen.insert(Self.canonical($0.path)).inserted }
    }

    /// A search path of exactly these directories, as if given with `--plugin-path`.
    public init(_ paths: [String]) {
        self.init(directories: paths.map { Directory(path: Self.absolute($0), origin: .commandLine) })
    }

    /// The search path users get; see the type's documentation.
    ///
    /// - Parameters:
    ///   - pluginPaths: `--plugin-path` values, highest priority first.
    ///   - environment: Where `DAGRON_PLUGIN_PATH`, `XDG_DATA_HOME` and `HOME` are read.
    ///   - executablePath: The running `dagron` binary; the installation
    ///     directory is found relative to it. `nil` leaves it out.
    public static func standard(
        pluginPaths: [String] = [],
        environment: [String: String] = processEnvironment(),
        executablePath: String? = currentExecutablePath()
    ) -> PluginSearchPath {
        var directories = userEntries(pluginPaths: pluginPaths, environment: environment).compactMap { entry in
            entry.absolutePath.map { Directory(path: $0, origin: entry.origin) }
        }
        if let user = userDirectory(environment: environment) {
            directories.append(Directory(path: user, origin: .user))
        }
        if let executablePath, let installed = installationDirectory(executablePath: executablePath) {
            directories.append(Directory(path: installed, origin: .installation))
        }
        return PluginSearchPath(directories: directories)
    }

    /// The search path users get, after checking that every `--plugin-path`
    /// and `DAGRON_PLUGIN_PATH` entry is absolute (`~` expanded).
    /// - Throws: ``RelativePluginPathError`` naming the first relative entry.
    public static func checked(
        pluginPaths: [String] = [],
        environment: [String: String] = processEnvironment(),
        executablePath: String? = currentExecutablePath()
    ) throws(RelativePluginPathError) -> PluginSearchPath {
        if let relative = userEntries(pluginPaths: pluginPaths, environment: environment).first(where: {
            $0.absolutePath == nil
        }) {
            throw RelativePluginPathError(entry: relative.text, origin: relative.origin)
        }
        return standard(pluginPaths: pluginPaths, environment: environment, executablePath: executablePath)
    }

    /// The entries users gave, highest priority first: `--plugin-path`
    /// values, then `DAGRON_PLUGIN_PATH`'s (empty ones skipped). `absolutePath`
    /// is `nil` for a relative entry.
    private static func userEntries(
        pluginPaths: [String], environment: [String: String]
    ) -> [(text: String, origin: Origin, absolutePath: String?)] {
        let listed =
            pluginPaths.map { ($0, Origin.commandLine) }
            + (environment[environmentVariable] ?? "").split(separator: ":").map { (String($0), Origin.environment) }
        return listed.map { text, origin in
            let expanded = (text as NSString).expandingTildeInPath
            return (text, origin, expanded.hasPrefix("/") ? (expanded as NSString).standardizingPath : nil)
        }
    }

    /// `$XDG_DATA_HOME/dagron/plugins`, or `$HOME/.local/share/dagron/plugins`.
    public static func userDirectory(environment: [String: String]) -> String? {
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            return data + "/dagron/plugins"
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.local/share/dagron/plugins"
    }

    /// `<prefix>/lib/dagron/plugins` when the executable is `<prefix>/bin/dagron`
    /// and that directory exists; otherwise the executable's directory (the
    /// `swift build` tree, where the bundled plugins sit next to `dagron`).
    public static func installationDirectory(executablePath: String) -> String? {
        let resolved = canonical(executablePath)
        let binary = (resolved as NSString).deletingLastPathComponent
        guard !binary.isEmpty else { return nil }
        let prefix = (binary as NSString).deletingLastPathComponent
        let installed = prefix + "/lib/dagron/plugins"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: installed, isDirectory: &isDirectory), isDirectory.boolValue {
            return installed
        }
        return binary
    }

    /// The running executable (`/proc/self/exe`, resolved).
    public static func currentExecutablePath() -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first.map(absolute)
    }

    /// The process environment.
    public static func processEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment
    }

    /// `path` made absolute against the current directory (`~` expanded, `.`/`..` removed).
    public static func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return (expanded as NSString).standardizingPath }
        return ((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(expanded) as NSString)
            .standardizingPath
    }

    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// A `--plugin-path` or `DAGRON_PLUGIN_PATH` entry that is not absolute.
public struct RelativePluginPathError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry as given.
    public var entry: String
    /// Where it was given.
    public var origin: PluginSearchPath.Origin

    /// Creates an error.
    public init(entry: String, origin: PluginSearchPath.Origin) {
        self.entry = entry
        self.origin = origin
    }

    /// Names the entry, where it came from, and the fix.
    public var description: String {
        let source = origin == .environment ? PluginSearchPath.environmentVariable + " entry" : "--plugin-path"
        return "\(source) '\(entry)' is a relative path; plugin directories must be absolute, "
            + "so that what runs does not depend on the current folder (write \"$PWD/\(entry)\" to mean this folder's)"
    }
}
