import ArgumentParser
import Dagron
import DagronSDK
import Foundation
import Synchronization

/// `dagron run PIPELINE`: runs a pipeline file with its plugins.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline file.",
        discussion: """
            Each command node runs with /bin/sh -c in a process group of its own; its output \
            goes to <run dir>/logs. Plugins named under `plugins:` in the file or with \
            --plugin are loaded from the plugin path before the DAG is built.

            Plugin settings, lowest precedence first: the plugin's manifest defaults, the \
            file's plugins.<name> table (${VAR} expanded), DAGRON_PLUGIN_<NAME>_<KEY> \
            environment variables, --set <name>.<key>=<value>.

            Exit codes: 0 all nodes succeeded; 1 a node failed, timed out or was rejected; \
            2 usage, pipeline-file or plugin setup error (nothing ran); 130 interrupted.
            """
    )

    @Argument(help: "The pipeline file (YAML).", completion: .file(extensions: ["yml", "yaml"]))
    var pipeline: String

    @OptionGroup var pluginOptions: PipelinePluginOptions

    @Option(help: "Run at most this many nodes at once, 1 to \(PipelineLimits.maxWorkers.range.upperBound) (overrides max_workers).")
    var maxWorkers: Int?

    @Option(help: "The run directory (default: .dagron/runs/<pipeline>-<time>).", completion: .directory)
    var runDir: String?

    @Flag(help: "Print the result as JSON on standard output (progress goes to standard error).")
    var json = false

    @Flag(help: "Plain line output even on a terminal.")
    var plain = false

    func validate() throws {
        if let maxWorkers, !PipelineLimits.maxWorkers.contains(maxWorkers) {
            throw ValidationError("--max-workers: expected an integer \(PipelineLimits.maxWorkers), got \(maxWorkers)")
        }
    }

    func run() async throws {
        // A closed pipe (`dagron run ... | head`) must not kill dagron before it stops its children.
        signal(SIGPIPE, SIG_IGN)
        let pipeline = try loadPipeline(self.pipeline)
        let manager = PluginManager(warningHandler: { printWarning($0) })
        try PluginSetup(pipeline: pipeline, options: pluginOptions).loadAndInitialize(into: manager)

        let base = ".dagron/runs"
        let directory = runDir.map { RunDirectory(path: $0) } ?? RunDirectory.fresh(under: base, pipeline: pipeline.name)
        let runner = PipelineRunner(pipeline: pipeline, directory: directory, hooks: manager.hooks, maxWorkers: maxWorkers)
        do {
            try runner.prepare()
            if runDir == nil { directory.markLatest(under: base) }
        } catch {
            manager.teardownAll()
            printError("cannot create the run directory \(directory.path): \(error)")
            throw ExitStatus.failure
        }

        let console = RunConsole(
            handle: json ? .standardError : .standardOutput, total: pipeline.nodes.count,
            runDirectory: directory.path, forcePlain: plain)
        console.attach(to: manager.hooks)
        let dag: DAG
        do {
            dag = try runner.build()
        } catch {
            manager.teardownAll()
            printError("\(pipeline.path): \(error)")
            throw ExitStatus.usage
        }
        let loaded = manager.plugins.map(\.name).filter { manager.isInitialized($0) }
        console.emit("running \(pipeline.name): \(dag.nodeCount) node\(dag.nodeCount == 1 ? "" : "s"), up to \(runner.maxWorkers) at once"
            + (loaded.isEmpty ? "" : ", plugins: \(loaded.joined(separator: ", "))") + "; run dir \(directory.path)")

        let execution = CancellableExecution()
        let trap = InterruptTrap { signal in
            console.emit("dagron: \(signal == SIGINT ? "interrupt" : "SIGTERM") received: stopping running nodes")
            execution.cancel()
        } onForce: {
            runner.processGroups.killAll()
        }
        let task = execution.start { await runner.execute(dag) }
        let result = await task.value
        // Only the trap cancels the execution; a signal that came after the
        // last node finished does not turn a finished run into an interrupted one.
        let interrupted = result.wasCancelled
        console.stop()
        manager.teardownAll()

        let report = RunReport(pipeline: pipeline, runDirectory: directory, result: result, interrupted: interrupted)
        do {
            try RunDirectory.writeJSON(report, to: directory.resultPath)
        } catch {
            printWarning("cannot write \(directory.resultPath): \(error)")
        }
        console.printSummary(report, result: result)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(report)
            try? FileHandle.standardOutput.write(contentsOf: data + Data("\n".utf8))
        }
        trap.remove()
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
