import ArgumentParser
import Dagron
@_spi(DagronHost) import DagronSDK

/// `dagron validate PIPELINE`: checks a pipeline file without running it.
///
/// It makes every check `dagron run` makes before a node starts: the file
/// (keys, values and their ranges, names, `cwd` directories), the plugins'
/// settings (`${VAR}` expanded, environment and `--set` applied) and each
/// plugin's own `configure`. So a file `validate` accepts does not fail
/// `run`'s set-up, short of what only starting a plugin can tell (a port in use).
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline file and report every mistake with its file, line and key.",
        discussion: """
            The plugins the file names (and those given with --plugin) are loaded and configured \
            with the settings `dagron run` would give them, but not started.

            With --json, a valid file prints one JSON object on standard output (its shape is in \
            docs/run.md); problems still go to standard error, with exit code 2 and nothing on \
            standard output.

            Exit codes: 0 the file is valid; 2 it is not (each problem is printed).
            """
    )

    @OptionGroup var file: PipelineFileArgument

    @OptionGroup var pluginOptions: PipelinePluginOptions

    @OptionGroup var reporting: JSONOutputOption

    func run() throws {
        // With --json, standard output is the document's alone: what plugin
        // code loaded for the checks prints goes to standard error.
        let output = reporting.json ? try JSONOutput.reserveStandardOutput() : nil
        let pipeline = try loadPipeline(file.pipeline)
        let userConfig = try loadUserConfig()
        let manager = PluginManager(warningHandler: { printWarning($0) })
        try PluginSetup(pipeline: pipeline, options: pluginOptions, userConfig: userConfig).check(into: manager)
        let gates = pipeline.gateNodes.count
        let executors = pipeline.pluginExecutors
        let plugins = manager.plugins.map(\.name).filter { !executors.contains($0) }
        let nodes = pipeline.nodes.count
        if let output {
            try JSONOutput.write(
                ValidationJSON(
                    pipeline: pipeline.path, name: pipeline.name, valid: true, nodes: nodes, gates: gates,
                    dependencies: pipeline.edgeCount, plugins: plugins, executors: executors), to: output)
            return
        }
        print(
            "\(pipeline.path): ok: \(nodes) node\(nodes == 1 ? "" : "s") (\(gates) gate\(gates == 1 ? "" : "s")), "
                + "\(pipeline.edgeCount) dependenc\(pipeline.edgeCount == 1 ? "y" : "ies")"
                + (plugins.isEmpty ? "" : ", plugins: \(plugins.joined(separator: ", "))")
                + (executors.isEmpty ? "" : ", executors: \(executors.joined(separator: ", "))"))
    }
}
