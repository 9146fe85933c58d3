import ArgumentParser

/// `dagron plugins`: see what plugins the search path offers and check plugin files.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List, check, inspect and clear plugins.",
        discussion: """
            Plugins are searched, in order, in each --plugin-path DIR, in DAGRON_PLUGIN_PATH \
            (colon-separated), in $XDG_DATA_HOME/dagron/plugins (default ~/.local/share/dagron/plugins) \
            and in the installation's plugin directory. The first plugin of a name wins. \
            Plugin code is run in a child process, so a plugin that crashes cannot hide the others.
            """,
        subcommands: [List.self, Check.self, Info.self, Clear.self, ProbeChild.self, HostChild.self]
    )
}
