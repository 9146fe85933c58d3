public import ArgumentParser
import Dagron

extension PipelineGraphRenderer.Format: ExpressibleByArgument {}

/// `dagron graph PIPELINE --format dot|mermaid`: prints the pipeline's DAG.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a pipeline's DAG as Graphviz DOT or a Mermaid flowchart.",
        discussion: "Example: dagron graph etl.yml --format dot | dot -Tsvg > etl.svg"
    )

    @OptionGroup var file: PipelineFileArgument

    @Option(help: "The output format: dot or mermaid.")
    var format: PipelineGraphRenderer.Format = .dot

    func run() throws {
        let pipeline = try loadPipeline(file.pipeline)
        print(PipelineGraphRenderer(pipeline).render(format), terminator: "")
    }
}
