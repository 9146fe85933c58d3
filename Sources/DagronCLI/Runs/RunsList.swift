import ArgumentParser
import Dagron
import Foundation

extension RunsCommand {
    /// `dagron runs list`: every run directory, newest first.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the runs, newest first: directory, pipeline, start, outcome, duration and size.",
            discussion: """
                OUTCOME is succeeded, failed or interrupted (from result.json), running (its dagron is \
                still alive) or unfinished (it ended without writing a result).

                With --json: an array with one object per run, newest first.
                """
        )

        @OptionGroup var folder: RunsFolderOptions

        @OptionGroup var reporting: JSONOutputOption

        func run() throws {
            let catalog = try RunCatalog.read(folder.base)
            if reporting.json {
                try JSONOutput.print(catalog.runs)
                return
            }
            guard !catalog.runs.isEmpty else {
                print("no runs in \(folder.base)")
                return
            }
            let header = ["RUN", "PIPELINE", "STARTED", "OUTCOME", "DURATION", "SIZE"]
            let rows = catalog.runs.map { run in
                [
                    run.runDirectory + (run.latest ? " (latest)" : ""), run.pipeline, run.startedAt ?? "-", run.outcome,
                    run.durationSeconds.map(DurationText.format) ?? "-", DiskUsage.text(run.sizeBytes),
                ].map(TerminalText.escaped)
            }
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                print(
                    row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
            let total = catalog.runs.reduce(Int64(0)) { $0 + $1.sizeBytes }
            print("\(catalog.runs.count) run\(catalog.runs.count == 1 ? "" : "s"), \(DiskUsage.text(total))")
        }
    }
}
