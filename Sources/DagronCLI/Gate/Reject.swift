import ArgumentParser
import Dagron

extension GateCommand {
    /// `dagron gate reject RUN_DIR NAME [--reason ...]`.
    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reject", abstract: "Reject a gate: its node fails and its dependents are skipped.")

        @OptionGroup var options: GateDecisionOptions

        func run() throws {
            try options.submit(.reject)
        }
    }
}
