import ArgumentParser
import Dagron

extension PluginsCommand {
    /// The hidden child side of the crash isolation: loads the candidates it is
    /// given and reports each on descriptor 3 (see ``IsolatedPluginProbe``).
    struct ProbeChild: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "probe-child",
            abstract: "Internal: probe plugin candidates for a parent dagron process.",
            shouldDisplay: false
        )

        @Argument(help: "The probe request, as JSON.")
        var request: String

        func run() throws {
            try IsolatedPluginProbe.serve(request: request)
        }
    }
}
