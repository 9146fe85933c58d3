import ArgumentParser
import Dagron

extension GateCommand {
    /// `dagron gate approve RUN_DIR NAME`.
    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve", abstract: "Approve a gate: its node completes and its dependents run.")

        @OptionGroup var options: GateDecisionOptions

        func run() throws {
            try options.submit(.approve)
        }
    }
}
