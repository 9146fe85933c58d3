import ArgumentParser
import Dagron
import Foundation

extension PluginsCommand {
    /// `dagron plugins check FILE...`: does each file load as a plugin?
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Load plugin files (in a child process) and report ok with name and version, or the error.",
            discussion: "Exits 1 if any file failed."
        )

        @Argument(help: ArgumentHelp(
            "Plugin shared objects to check; FILE:SYMBOL calls factory SYMBOL instead of dagron_plugin_create.",
            valueName: "file"))
        var files: [String]

        @OptionGroup var search: PluginSearchOptions

        func run() throws {
            let candidates = files.map(Self.candidate)
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

        /// `FILE` or `FILE:SYMBOL` (the entry-point form of dagron.plugins), when FILE:SYMBOL is not itself a file.
        static func candidate(_ argument: String) -> PluginCandidate {
            if !FileManager.default.fileExists(atPath: argument), let colon = argument.lastIndex(of: ":") {
                let symbol = String(argument[argument.index(after: colon)...])
                if !symbol.isEmpty, symbol.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    return PluginCandidate(path: PluginSearchPath.absolute(String(argument[..<colon])), factorySymbol: symbol)
                }
            }
            return PluginCandidate(path: PluginSearchPath.absolute(argument))
        }
    }
}
