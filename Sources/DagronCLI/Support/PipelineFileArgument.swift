import ArgumentParser

/// The pipeline file `dagron run`, `validate` and `graph` take.
struct PipelineFileArgument: ParsableArguments {
    @Argument(help: "The pipeline file (YAML).", completion: .file(extensions: ["yml", "yaml"]))
    var pipeline: String
}
