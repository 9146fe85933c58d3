import ArgumentParser
import Dagron
import Foundation

extension PluginsCommand {
    /// `dagron plugins check FILE...`: does each file load as a plugin?
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load plugin files (in a child process) and report ok with name and version, or the error.",
            discussion: "Exits 1 if any file failed."
        )

        @Argument(help: ArgumentHelp("Plugin shared objects to check.", valueName: "file"))
        var files: [String]

        @Option(help: "The factory symbol to call.")
        var factory = "dagron_plugin_create"

        @OptionGroup var search: PluginSearchOptions

        func run() throws {
            let candidates = files.map {
                PluginCandidate(path: PluginSearchPath.absolute($0),
                                factorySymbol: factory)
            }
            let records = search.isolatedProbe.probe(candidates, policy: search.policy)
            var failed = false
            for record in records {
                if record.status == .loaded {
                    print("ok      \(record.path): \(record.name ?? "?") \(record.version ?? "")")
                } else {
                    failed = true
                    print("\(record.status == .refused ? "refused" : "failed ")  \(record.path): \(record.error ?? "failed")")
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
