import ArgumentParser
import Dagron

/// `dagron validate PIPELINE`: checks a pipeline file without running it.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline file and report every mistake with its file, line and key.",
        discussion: "Exit codes: 0 the file is valid; 2 it is not (each problem is printed)."
    )

    @Argument(help: "The pipeline file (YAML).", completion: .file(extensions: ["yml", "yaml"]))
    var pipeline: String

    func run() throws {
        let pipeline = try loadPipeline(self.pipeline)
        let gates = pipeline.gateNodes.count
        let plugins = pipeline.plugins.map(\.name)
        print("\(pipeline.path): ok: \(pipeline.nodes.count) nodes (\(gates) gate\(gates == 1 ? "" : "s")), \(pipeline.edgeCount) dependencies"
            + (plugins.isEmpty ? "" : ", plugins: \(plugins.joined(separator: ", "))"))
    }
}
