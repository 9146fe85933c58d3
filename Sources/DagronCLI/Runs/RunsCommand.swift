import ArgumentParser

/// `dagron runs ...`: see and clean up the run directories under `.dagron/runs`.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List and prune the run directories under .dagron/runs.",
        discussion: """
            Each `dagron run` without --run-dir keeps its logs and results in a directory of its own \
            under .dagron/runs (in the current folder); .dagron/runs/latest points to the newest.
            """,
        subcommands: [List.self, Prune.self]
    )
}

/// The option `dagron runs list` and `prune` share.
struct RunsFolderOptions: ParsableArguments {
    @Option(name: .customLong("runs-dir"), help: "The folder of run directories.", completion: .directory)
    var base = ".dagron/runs"

    func validate() throws {
        guard !base.isEmpty else { throw ValidationError("--runs-dir is empty: give the folder of run directories") }
    }
}
