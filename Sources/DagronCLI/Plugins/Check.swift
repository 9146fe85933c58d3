import ArgumentParser
import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation

extension PluginsCommand {
    /// `dagron plugins check FILE...`: does each file load as a plugin?
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Load plugin files (in a child process), run each through a whole synthetic run, and report.",
            discussion: """
                Each file that loads is then run, isolated in a child process, through a synthetic run \
                (4 nodes: one fails, one is skipped) that fires every hook event, and torn down: a crash, \
                exit or stall in any callback is reported with the event and node. A plugin that declines \
                its settings is reported, not failed: give its settings with --set KEY=VALUE. \
                Exits 1 if any file failed to load or crashed, exited or stalled.

                With --json: an array with one object per file.
                """
        )

        @Argument(
            help: ArgumentHelp(
                "Plugin shared objects to check; FILE:SYMBOL calls factory SYMBOL instead of dagron_plugin_create.",
                valueName: "file"))
        var files: [String]

        @OptionGroup var search: PluginSearchOptions

        @Option(
            name: .customLong("set"),
            help: ArgumentHelp("A setting for the plugins checked (repeatable).", valueName: "key=value"))
        var settings: [String] = []

        @Flag(help: "Only load each file; do not run the lifecycle.")
        var loadOnly = false

        @OptionGroup var reporting: JSONOutputOption

        @Option(
            help: ArgumentHelp(
                "How long a callback may take before the plugin counts as stalled (default 10s).", valueName: "duration"
            ))
        var stallTimeout: String = "10s"

        func validate() throws {
            _ = try SettingArguments.parse(settings)
            guard let seconds = DurationText.seconds(stallTimeout),
                PluginHostSettings.stallTimeoutBounds.contains(seconds)
            else {
                throw ValidationError(
                    "--stall-timeout: expected a duration \(PluginHostSettings.stallTimeoutBounds), got '\(stallTimeout)'"
                )
            }
        }

        func run() throws {
            // With --json, plugin code in the probe and lifecycle children
            // (which inherit descriptor 1) cannot write into the document.
            let output = reporting.json ? try JSONOutput.reserveStandardOutput() : nil
            let candidates = files.map(Self.candidate)
            let records = search.isolatedProbe.probe(candidates, policy: search.policy)
            var failed = false
            var documents: [PluginCheckJSON] = []
            let values = try SettingArguments.parse(settings).merging([PluginHostSettings.stallTimeoutKey: stallTimeout]
            ) { $1 }
            let lifecycle = PluginLifecycleCheck(host: .dagronChild(health: PluginHealth()))
            for (record, candidate) in zip(records, candidates) {
                if record.status == .loaded {
                    var document = PluginCheckJSON(
                        path: record.path, status: "ok", name: record.name, version: record.version)
                    if !reporting.json {
                        print("ok      \(record.path): \(record.name ?? "?") \(record.version ?? "")")
                    }
                    if !loadOnly, let name = record.name {
                        // `--set key=value`, or `--set name.key=value` as `dagron run` takes it.
                        let own = Dictionary(
                            values.map { key, value in
                                (key.hasPrefix(name + ".") ? String(key.dropFirst(name.count + 1)) : key, value)
                            }
                        ) { $1 }
                        let outcome = lifecycle.run(candidate, name: name, settings: PluginSettings(plugin: name, own))
                        if !Self.passes(outcome) { failed = true }
                        if reporting.json { document.lifecycle = Self.lifecycle(outcome) } else { report(outcome) }
                    }
                    documents.append(document)
                } else {
                    failed = true
                    let status = record.status == .refused ? "refused" : "failed"
                    documents.append(
                        PluginCheckJSON(path: record.path, status: status, error: record.error ?? "failed"))
                    if !reporting.json {
                        print(
                            "\(record.status == .refused ? "refused" : "failed ")  \(record.path): \(record.error ?? "failed")"
                        )
                    }
                }
            }
            if let output { try JSONOutput.write(documents, to: output) }
            if failed { throw ExitCode(1) }
        }

        /// Whether `outcome` leaves the plugin passed (a declined configuration is not a failure).
        private static func passes(_ outcome: PluginLifecycleCheck.Outcome) -> Bool {
            switch outcome {
            case .passed, .declined: true
            case .failed, .notLoaded: false
            }
        }

        /// Prints the lifecycle's outcome under the file's line.
        private func report(_ outcome: PluginLifecycleCheck.Outcome) {
            switch outcome {
            case .passed(let delivered):
                let events = delivered.map { "\($0.event.rawValue) ×\($0.count)" }.joined(separator: ", ")
                print(
                    "        lifecycle ok: configure, initialize, a synthetic run, teardown"
                        + (events.isEmpty ? " (no hooks registered)" : "; its hooks got \(events)"))
            case .declined(let phase, let message):
                print(
                    "        lifecycle not run: \(phase) declined: \(message)"
                        + (message.contains("--set") ? "" : " (pass its settings with --set KEY=VALUE)"))
            case .failed(let fault):
                print("failed          lifecycle: \(fault)")
            case .notLoaded(let error):
                print("failed          lifecycle: could not start it isolated: \(error.reason)")
            }
        }

        /// The lifecycle's outcome for the JSON form.
        private static func lifecycle(_ outcome: PluginLifecycleCheck.Outcome) -> PluginCheckJSON.Lifecycle {
            switch outcome {
            case .passed(let delivered):
                .init(result: "passed", events: Dictionary(delivered.map { ($0.event.rawValue, $0.count) }) { $0 + $1 })
            case .declined(let phase, let message):
                .init(result: "declined", events: [:], phase: phase, message: message)
            case .failed(let fault):
                .init(
                    result: "failed", events: [:], message: fault.description,
                    fault: .init(
                        kind: fault.kind.rawValue, signal: fault.signal, exitCode: fault.exitCode, phase: fault.phase,
                        event: fault.event, node: fault.node, at: ISOTime.text(fault.at)))
            case .notLoaded(let error):
                .init(result: "not_started", events: [:], message: "could not start it isolated: \(error.reason)")
            }
        }

        /// `FILE` or `FILE:SYMBOL` (the entry-point form of dagron.plugins), when FILE:SYMBOL is not itself a file.
        static func candidate(_ argument: String) -> PluginCandidate {
            if !FileManager.default.fileExists(atPath: argument), let colon = argument.lastIndex(of: ":") {
                let symbol = String(argument[argument.index(after: colon)...])
                if !symbol.isEmpty, symbol.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    return PluginCandidate(
                        path: PluginSearchPath.absolute(String(argument[..<colon])), factorySymbol: symbol)
                }
            }
            return PluginCandidate(path: PluginSearchPath.absolute(argument))
        }
    }
}
