import ArgumentParser
import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation

extension GateCommand {
    /// `dagron gate list RUN_DIR`: the gates of a run and their status.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List a run's gates and their status.",
            discussion: """
                With --json: one object with the run (directory, pipeline, name, startedAt in ISO 8601, \
                running) and its gates (name, status, message, reason).
                """)

        @OptionGroup var runDirectory: RunDirectoryArgument

        @OptionGroup var reporting: JSONOutputOption

        func run() throws {
            let directory = RunDirectory(path: runDirectory.runDir)
            guard let manifest = try? RunDirectory.readJSON(RunManifest.self, from: directory.manifestPath) else {
                printError("\(runDirectory.runDir) is not a dagron run directory (no run.json)")
                throw ExitStatus.usage
            }
            let gates = manifest.gates.keys.sorted().map { name in
                let status = GateFileBridge.status(of: name, in: directory)
                return GateListJSON.Gate(
                    name: name, status: status?.status.rawValue ?? GateStatus.pending.rawValue,
                    message: manifest.gates[name].flatMap { $0.isEmpty ? nil : $0 }, reason: status?.reason)
            }
            if reporting.json {
                try JSONOutput.print(
                    GateListJSON(
                        runDirectory: runDirectory.runDir, pipeline: manifest.pipeline, name: manifest.name,
                        startedAt: ISOTime.text(manifest.startedAt), running: GateFileBridge.isLive(directory),
                        gates: gates))
                return
            }
            // What the pipeline file and the deciders wrote, with control
            // characters escaped: a message cannot retitle or clear the terminal.
            let shown = TerminalText.escaped
            if gates.isEmpty { print("\(shown(manifest.name)) has no gates") }
            for gate in gates {
                print(
                    "\(shown(gate.name))  \(gate.status)\(gate.reason.map { " (\(shown($0)))" } ?? "")"
                        + (gate.message.map { "  \(shown($0))" } ?? "")
                )
            }
        }
    }
}
