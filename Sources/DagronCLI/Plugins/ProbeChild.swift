import ArgumentParser
import Dagron

extension PluginsCommand {
    /// The hidden child side of the crash isolation: loads the candidates it
    /// reads on descriptor 4 and reports each on descriptor 3 (see ``IsolatedPluginProbe``).
    struct ProbeChild: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "probe-child",
            abstract: "Internal: probe plugin candidates for a parent dagron process.",
            shouldDisplay: false
        )

        func run() throws {
            try IsolatedPluginProbe.serve()
        }
    }
}

extension PluginsCommand {
    /// This `dagron` executable, which the hidden child modes run.
    static var dagronExecutable: String {
        PluginSearchPath.currentExecutablePath() ?? CommandLine.arguments[0]
    }
}

extension IsolatedPluginProbe {
    /// A probe whose child is this `dagron` executable in its hidden
    /// `plugins probe-child` mode.
    static func dagronChild() -> IsolatedPluginProbe {
        IsolatedPluginProbe(
            executable: PluginsCommand.dagronExecutable,
            arguments: ["plugins", PluginsCommand.ProbeChild.configuration.commandName!])
    }
}
