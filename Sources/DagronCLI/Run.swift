import ArgumentParser
import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization

/// `dagron run PIPELINE`: runs a pipeline file with its plugins.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline file.",
        discussion: """
            Each command node runs in a process group of its own, through /bin/sh -c when it \
            uses shell syntax and directly otherwise; its output goes to <run dir>/logs. \
            Plugins named under `plugins:` in the file or with --plugin are loaded from the \
            plugin path before the DAG is built.

            Plugin settings, lowest precedence first: the plugin's manifest defaults, the user \
            configuration file ($XDG_CONFIG_HOME/dagron/config.yaml, see `dagron config`), the \
            file's plugins.<name> table (${VAR} expanded), DAGRON_PLUGIN_<NAME>_<KEY> \
            environment variables, --set <name>.<key>=<value>.

            Exit codes: 0 all nodes succeeded; 1 a node failed, timed out or was rejected; \
            2 usage, pipeline-file or plugin setup error (nothing ran), or the run directory \
            or its result.json could not be written; 130 interrupted.
            """
    )

    @OptionGroup var file: PipelineFileArgument

    @OptionGroup var pluginOptions: PipelinePluginOptions

    @Option(
        help:
            "Run at most this many nodes at once, 1 to \(PipelineLimits.maxWorkers.range.upperBound) (overrides max_workers of the file and the user configuration)."
    )
    var maxWorkers: Int?

    @Option(help: "The run directory (default: .dagron/runs/<pipeline>-<time>).", completion: .directory)
    var runDir: String?

    @OptionGroup var reporting: JSONOutputOption

    @Flag(help: "Plain line output even on a terminal.")
    var plain = false

    @Option(
        help: ArgumentHelp(
            "Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never.", valueName: "when"))
    var color: ColorChoice = .auto

    @Option(
        help: ArgumentHelp(
            "After Ctrl-C, SIGTERM or SIGHUP, how long the run has to stop in order before it is abandoned (Ctrl-\\ abandons it at once): "
                + "result.json written from what is known, commands killed, exit 130 "
                + "(default: $DAGRON_INTERRUPT_GRACE, else 10s).",
            valueName: "duration"))
    var interruptGrace: String?

    /// The environment variable giving the default of `--interrupt-grace`.
    static let graceVariable = "DAGRON_INTERRUPT_GRACE"

    func validate() throws {
        if let maxWorkers, !PipelineLimits.maxWorkers.contains(maxWorkers) {
            throw ValidationError("--max-workers: expected an integer \(PipelineLimits.maxWorkers), got \(maxWorkers)")
        }
        _ = try grace()
    }

    /// The longest grace period `--interrupt-grace` accepts: a day.
    static let graceBounds = DurationBounds(longest: 86_400)

    /// The grace period after an interrupt: `--interrupt-grace`, else
    /// `$DAGRON_INTERRUPT_GRACE`, else ``InterruptTrap/defaultGrace``.
    private func grace(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Duration {
        let text: String
        let source: String
        if let interruptGrace {
            (text, source) = (interruptGrace, "--interrupt-grace")
        } else if let value = environment[Self.graceVariable] {
            (text, source) = (value, Self.graceVariable)
        } else {
            return InterruptTrap.defaultGrace
        }
        guard let seconds = DurationText.seconds(text), Self.graceBounds.contains(seconds) else {
            throw ValidationError(
                "\(source): expected a duration \(Self.graceBounds) such as 500ms, 10s or 1m, got '\(text)'")
        }
        return Duration(clampingSeconds: seconds)
    }

    func run() async throws {
        // Before any plugin code runs: a plugin's `chdir` must not move the run.
        InvocationDirectory.capture()
        // A closed pipe (`dagron run ... | head`) must not kill dagron before it stops its children.
        signal(SIGPIPE, SIG_IGN)
        // With --json, standard output is the document's alone: from here on,
        // whatever else is written there (plugins included) goes to standard error.
        let output = reporting.json ? try JSONOutput.reserveStandardOutput() : nil
        // Processes the nodes start outside their groups are reparented here, to be found at the end.
        if let why = ChildSubreaper.enable() {
            printWarning(
                "cannot become a child subreaper (\(why)): processes that leave a node's process group may outlive the run"
            )
        }
        let grace = try grace()
        // From the first plugin code on, a plugin's exit() cannot end the
        // process with its own status (see UnexpectedExitGuard).
        defer { UnexpectedExitGuard.disarm() }
        UnexpectedExitGuard.armForSetUp()
        let pipeline = try loadPipeline(file.pipeline)
        let userConfig = try loadUserConfig()
        let manager = PluginManager(warningHandler: { printWarning($0) }, callbackWatch: HookCallbackWatch())
        // Slow, stalled or crashing plugin code is reported, and cannot orphan nodes.
        let pluginGuard = InProcessPluginGuard(manager: manager)
        defer { pluginGuard.stop() }
        // First, so that it records every event before any plugin callback can hang.
        let progress = RunProgress()
        progress.attach(to: manager.hooks)
        // A plugin that crashes, exits or stalls in this process is quarantined (by its file).
        if let quarantine = PluginQuarantine.standard() {
            InProcessPluginGuard.quarantine.withTrackedLock { record in
                record = { [manager] name, file, fault in
                    // A plugin that failed while loading is not registered yet: its file is given.
                    guard let file = file ?? manager.origin(of: name) else { return }
                    quarantine.record(plugin: name, file: file, fault: fault)
                }
            }
        }
        let setup = PluginSetup(pipeline: pipeline, options: pluginOptions, userConfig: userConfig)
        try setup.loadAndInitialize(into: manager)
        let executors = try setup.makeExecutors(from: manager)

        let directory: RunDirectory
        let runner: PipelineRunner
        do {
            (directory, runner) = try prepareRunDirectory(
                for: pipeline, hooks: manager.hooks, executors: executors,
                maxWorkers: maxWorkers ?? pipeline.maxWorkers ?? userConfig?.maxWorkers)
        } catch {
            manager.teardownAll()
            printError("\(error)")
            throw ExitStatus.usage
        }

        var gateMessages: [String: String] = [:]
        for node in pipeline.nodes {
            if case .gate(let message?) = node.action { gateMessages[node.name] = message }
        }
        let console = RunConsole(
            total: pipeline.nodes.count, runDirectory: directory.path, gateMessages: gateMessages,
            forcePlain: plain, color: color)
        console.attach(to: manager.hooks)
        let ending = RunEnding(
            pipeline: pipeline, directory: directory, progress: progress, console: console,
            output: output, processGroups: runner.processGroups,
            executorPlugins: setup.executorPlugins(in: manager),
            plugins: manager.health,
            pluginFailurePolicy: pluginOptions.pluginFailure ?? pipeline.pluginFailure ?? .continue)
        UnexpectedExitGuard.arm(ending)
        let execution = CancellableExecution()
        // Installed before the DAG is built: build hooks are plugin code too.
        let trap = InterruptTrap(grace: grace) { signal in
            let received =
                switch signal {
                case SIGINT: "interrupt"
                case SIGHUP: "SIGHUP (the terminal went away)"
                case SIGQUIT: "SIGQUIT"
                default: "SIGTERM"
                }
            console.emit("dagron: \(received) received: stopping running nodes")
            execution.cancel()
        } onForce: { escalation in
            ending.abandon(after: escalation)
        }
        let stopRelay = JobStopRelay(processGroups: runner.processGroups)
        let dag: DAG
        do {
            dag = try runner.build()
        } catch {
            trap.remove()
            stopRelay.remove()
            manager.teardownAll()
            printError("\(pipeline.path): \(error)")
            throw ExitStatus.usage
        }
        let loaded = manager.plugins.filter { manager.isInitialized($0.name) }
            .map { $0 is IsolatedPlugin ? "\($0.name) (isolated)" : $0.name }
        console.emit(
            "running \(pipeline.name): \(dag.nodeCount) node\(dag.nodeCount == 1 ? "" : "s"), up to \(runner.maxWorkers) at once"
                + (loaded.isEmpty ? "" : ", plugins: \(loaded.joined(separator: ", "))") + "; run dir \(directory.path)"
        )

        let task = execution.start { await runner.execute(dag) }
        let result = await task.value
        // Only the trap cancels the execution; a signal that came after the
        // last node finished does not turn a finished run into an interrupted one.
        let interrupted = result.wasCancelled
        console.stop()
        // Every node has ended; kill what they started outside their process groups.
        let leftovers = await LeftoverProcessSweep(runDirectory: directory.absolutePath).run()
        if leftovers > 0 {
            printWarning(
                "killed \(leftovers) process\(leftovers == 1 ? "" : "es") that nodes left running outside their process groups"
            )
        }

        // result.json first: a plugin that crashes in its teardown cannot lose it.
        let report = RunReport(pipeline: pipeline, runDirectory: directory, result: result, interrupted: interrupted)
        var exitCode = ending.record(report)
        manager.teardownAll()
        // An isolated plugin may have failed in its teardown.
        exitCode = ending.recordPluginChanges() ?? exitCode
        console.printSummary(report, result: result)
        for entry in manager.health.snapshot {
            guard let failure = entry.failure else { continue }
            console.emit("plugin '\(entry.name)'\(entry.isolation == .process ? " (isolated)" : "") failed: \(failure)")
        }
        ending.printJSON()
        trap.remove()
        stopRelay.remove()
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    /// Creates the run directory (`--run-dir`, or a fresh one under
    /// `.dagron/runs`, then pointed at by `latest` unless a newer run is)
    /// and writes its manifest.
    private func prepareRunDirectory(
        for pipeline: Pipeline, hooks: HookRegistry, executors: [String: any NodeExecutor], maxWorkers: Int?
    ) throws -> (RunDirectory, PipelineRunner) {
        let base = ".dagron/runs"
        let directory: RunDirectory
        if let runDir {
            // A directory the user named: only a new or empty one.
            directory = try RunDirectory.claim(path: runDir)
        } else {
            do {
                directory = try RunDirectory.makeFresh(under: base, pipeline: pipeline.name)
            } catch {
                throw RunDirectoryError(path: base, reason: SystemErrorText.reason(error))
            }
        }
        let runner = PipelineRunner(
            pipeline: pipeline, directory: directory, hooks: hooks, maxWorkers: maxWorkers, executors: executors)
        let manifest: RunManifest
        do {
            manifest = try runner.prepare()
        } catch {
            throw RunDirectoryError(path: directory.path, reason: SystemErrorText.reason(error))
        }
        if runDir == nil {
            do {
                try directory.markLatest(under: base, startedAt: manifest.startedAt)
            } catch {
                printWarning("cannot point \(base)/latest at \(directory.path): \(SystemErrorText.reason(error))")
            }
        }
        return (directory, runner)
    }
}

/// The run directory could not be created or its manifest written.
struct RunDirectoryError: Error, CustomStringConvertible {
    /// The directory (or the folder it was to be created in).
    var path: String
    /// What went wrong.
    var reason: String

    var description: String { "cannot create the run directory \(path): \(reason)" }
}
