import ArgumentParser
import Dagron
import Foundation

/// `dagron gate list RUN_DIR`: the gates of a run and their status.
struct GateList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a run's gates and their status.")

    @Argument(help: "The run directory.", completion: .directory)
    var runDir: String

    func run() throws {
        let directory = RunDirectory(path: runDir)
        guard let manifest = try? RunDirectory.readJSON(RunManifest.self, from: directory.manifestPath) else {
            printError("\(runDir) is not a dagron run directory (no run.json)")
            throw ExitStatus.usage
        }
        if manifest.gates.isEmpty { print("\(manifest.name) has no gates") }
        for name in manifest.gates.keys.sorted() {
            let status = GateFileBridge.status(of: name, in: directory)
            let message = manifest.gates[name].flatMap { $0.isEmpty ? nil : "  \($0)" } ?? ""
            let reason = status?.reason.map { " (\($0))" } ?? ""
            print("\(name)  \(status?.status.rawValue ?? "pending")\(reason)\(message)")
        }
    }
}
