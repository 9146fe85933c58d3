import ArgumentParser
import Dagron

extension PluginsCommand {
    /// The hidden child side of plugin isolation: loads one plugin and runs
    /// it on the events its parent `dagron` sends (see ``PluginHostChild``).
    struct HostChild: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "host-child",
            abstract: "Internal: run one plugin in isolation for a parent dagron process.",
            shouldDisplay: false
        )

        @Option(help: "The plugin file.")
        var file: String

        @Option(help: "The factory symbol.")
        var symbol: String

        @Option(help: "The plugin's expected name.")
        var name: String

        @Flag(help: "Relax the safety checks (as the parent does).")
        var relaxed = false

        func run() throws {
            let status = PluginHostChild.serve(file: file, factorySymbol: symbol, name: name, relaxed: relaxed)
            if status != 0 { throw ExitCode(status) }
        }
    }
}

extension IsolatedPluginHost {
    /// A host whose child is this `dagron` executable in its hidden
    /// `plugins host-child` mode.
    static func dagronChild(
        health: PluginHealth, onFault: @escaping @Sendable (String, String, PluginFault) -> Void = { _, _, _ in }
    )
        -> IsolatedPluginHost
    {
        IsolatedPluginHost(
            executable: PluginsCommand.dagronExecutable,
            arguments: ["plugins", PluginsCommand.HostChild.configuration.commandName!],
            health: health, warn: { printWarning($0) }, onFault: onFault)
    }
}
