import ArgumentParser
import Dagron
import DagronSDK
import Foundation

/// `dagron config [PIPELINE]`: the effective defaults and settings, each with its source.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective max_workers, plugins and plugin settings, and where each comes from.",
        discussion: """
            The user configuration file is $XDG_CONFIG_HOME/dagron/config.yaml (default \
            ~/.config/dagron/config.yaml): max_workers, and plugins (loaded in every run) with their \
            settings. Precedence, highest first: command line, environment (DAGRON_PLUGIN_<NAME>_<KEY>), \
            pipeline file, user configuration, plugin manifest defaults. Given a PIPELINE and the options \
            `dagron run` takes, shows what that run would use. No plugin code is loaded.

            With --json: one object with the effective values, each with its source.

            Exit codes: 0 shown; 2 the configuration file, the pipeline file or an option is wrong.
            """
    )

    @Argument(
        help: "A pipeline file, to show what a run of it would use.", completion: .file(extensions: ["yml", "yaml"]))
    var pipeline: String?

    @OptionGroup var pluginOptions: PipelinePluginOptions

    @Option(help: "As for `dagron run`: the number of nodes run at once.")
    var maxWorkers: Int?

    @OptionGroup var reporting: JSONOutputOption

    func validate() throws {
        if let maxWorkers, !PipelineLimits.maxWorkers.contains(maxWorkers) {
            throw ValidationError("--max-workers: expected an integer \(PipelineLimits.maxWorkers), got \(maxWorkers)")
        }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let path = UserConfig.standardPath(environment: environment)
        let userConfig = try loadUserConfig(environment: environment)
        let pipeline = try self.pipeline.map(loadPipeline)
        let effective = try EffectiveConfigBuilder(
            userConfig: userConfig, configPath: path, pipeline: pipeline, options: pluginOptions,
            maxWorkers: maxWorkers, environment: environment
        ).build()
        if reporting.json {
            try JSONOutput.print(effective)
        } else {
            print(Self.table(effective))
        }
    }

    /// The text form: the file, then one aligned row per value.
    static func table(_ config: EffectiveConfig) -> String {
        var lines = [
            "user config: "
                + (config.configFile.map { $0 + (config.configFileExists ? "" : " (none)") } ?? "none (HOME is not set)")
        ]
        var rows = [["max_workers", "\(config.maxWorkers.value)", config.maxWorkers.from.text]]
        rows += config.plugins.map { ["plugin", $0.name, $0.from.text] }
        rows += config.settings.map { ["\($0.plugin).\($0.key)", TerminalText.escaped($0.value), $0.from.text] }
        let widths = (0..<2).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(
                (0..<2).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                    separator: "  ")
                    + "  " + TerminalText.escaped(row[2]))
        }
        return lines.joined(separator: "\n")
    }
}
