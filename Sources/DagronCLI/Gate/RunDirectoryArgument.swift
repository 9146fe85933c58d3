import ArgumentParser

/// The run directory every `dagron gate` command takes first.
struct RunDirectoryArgument: ParsableArguments {
    @Argument(help: "The run directory.", completion: .directory)
    var runDir: String
}
