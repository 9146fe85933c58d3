public import Foundation

/// The user's own defaults for every run, from
/// `$XDG_CONFIG_HOME/dagron/config.yaml` (`~/.config/dagron/config.yaml`
/// when `XDG_CONFIG_HOME` is unset or not absolute):
///
/// ```yaml
/// max_workers: 8          # when neither --max-workers nor the pipeline file says
/// plugins:                # loaded in every run (not with --no-plugins), with these settings
///   timing: {top: 5}
///   logging:
/// ```
///
/// Its values rank below the pipeline file's and above the plugins'
/// manifest defaults: command line > environment > pipeline file > user
/// config > manifest defaults. ``UserConfigParser`` reads it.
public struct UserConfig: Sendable {
    /// The file the values come from.
    public var path: String
    /// The default `max_workers`, if the file gives one.
    public var maxWorkers: Int?
    /// Where `max_workers` is written (`file:line:column`).
    public var maxWorkersLocation: String?
    /// The plugins to load by default, in file order, each with its settings as written.
    public var plugins: [PluginDeclaration]

    /// Creates a configuration.
    public init(
        path: String, maxWorkers: Int? = nil, maxWorkersLocation: String? = nil, plugins: [PluginDeclaration] = []
    ) {
        self.path = path
        self.maxWorkers = maxWorkers
        self.maxWorkersLocation = maxWorkersLocation
        self.plugins = plugins
    }

    /// The declaration of `plugin` in the file, if any.
    public func declaration(of plugin: String) -> PluginDeclaration? {
        plugins.first { $0.name == plugin }
    }

    /// The configuration file's path for `environment`: under
    /// `$XDG_CONFIG_HOME` when it is an absolute path (the XDG base
    /// directory specification ignores a relative one), else under
    /// `$HOME/.config`; `nil` without either.
    public static func standardPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let base = environment["XDG_CONFIG_HOME"], base.hasPrefix("/") {
            return base + "/dagron/config.yaml"
        }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return nil }
        return home + "/.config/dagron/config.yaml"
    }
}
