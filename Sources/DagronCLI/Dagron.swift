import ArgumentParser
import Dagron
@_spi(DagronHost) import DagronSDK

/// The `dagron` command.
@main
struct DagronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dagron",
        abstract: "Run DAG pipelines with dynamically loaded plugins.",
        version: "dagron 0.1.0 (DagronSDK \(DagronPluginABI.sdkVersion), plugin ABI \(DagronPluginABI.runtimeVersion))",
        subcommands: [
            Run.self, Validate.self, Graph.self, GateCommand.self, PluginsCommand.self, ConfigCommand.self,
            RunsCommand.self, SDKCommand.self,
        ]
    )
}
