import ArgumentParser

/// `dagron gate ...`: decides approval gates of a running pipeline from
/// another terminal, through the run directory.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Approve, reject or list the approval gates of a run.",
        discussion: """
            RUN_DIR is the run directory `dagron run` prints (.dagron/runs/latest points to the \
            newest). A decision may be given before the run reaches the gate; it is kept until then.
            """,
        subcommands: [Approve.self, Reject.self, List.self]
    )
}
