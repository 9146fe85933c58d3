import ArgumentParser
import Dagron
import DagronSDK
import Foundation

extension PluginsCommand {
    /// `dagron plugins info NAME`: everything about one plugin, including the events it hooks.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Show one plugin's details, including which events it registers hooks for.",
            discussion: """
                To learn its hooks the plugin is configured and initialized in a child process, \
                then torn down. Give settings it requires with --set key=value.

                With --json: one object with the plugin's details, its settings schema and its hooks \
                with their priorities.
                """
        )

        @Argument(help: "The plugin's name.", completion: .custom { PluginNameCompletion.complete($0, $1, $2) })
        var name: String

        @Option(
            name: .customLong("set"),
            help: ArgumentHelp("A setting for the plugin while it is inspected (repeatable).", valueName: "key=value"))
        var settings: [String] = []

        @OptionGroup var search: PluginSearchOptions

        @OptionGroup var reporting: JSONOutputOption

        func validate() throws {
            _ = try SettingArguments.parse(settings)
        }

        func run() throws {
            // With --json, plugin code in the probe children (which inherit
            // descriptor 1) cannot write into the document.
            let output = reporting.json ? try JSONOutput.reserveStandardOutput() : nil
            let probe = search.isolatedProbe
            // Files unchanged since they were last probed are not probed again (see `plugins list`).
            let records = search.catalog.inventory(probe: probe, cache: PluginRegistryCache.standard(), name: name)
                .records
            let matching = records.filter { $0.name == name }
            guard let winner = matching.first(where: { $0.status == .loaded }) ?? matching.first else {
                throw ValidationError(
                    PluginNotFoundDescription.text(name: name, searchPath: search.searchPath, records: records))
            }
            let quarantine = PluginQuarantine.standard()?.entry(forFile: winner.path)
            var hooks: [String: Int]?
            var priorities: [String: [Int]]?
            var hooksError: String?
            if winner.status == .loaded {
                let given = try SettingArguments.parse(settings)
                let detail = probe.probe([winner.candidate], initialize: true, settings: given, policy: search.policy)[
                    0]
                hooks = detail.events
                priorities = detail.priorities
                if hooks == nil { hooksError = detail.initializeError ?? detail.error ?? "could not initialize" }
            }
            let others = matching.filter { $0.path != winner.path }
            if let output {
                try JSONOutput.write(
                    PluginInfoJSON(
                        name: name, version: winner.version, summary: winner.summary.flatMap { $0.isEmpty ? nil : $0 },
                        status: PluginTable.status(of: winner, quarantine: quarantine), path: winner.path,
                        abi: winner.abi,
                        declared: Self.declaration(of: winner.candidate),
                        defaults: Dictionary(winner.displayableSettings.map { ($0.key, $0.value) }) { $1 },
                        secrets: Self.secrets(of: winner),
                        settings: winner.settingsSchema.map { $0.settings.map(PluginSettingJSON.init) },
                        error: winner.error, hooks: hooks, priorities: priorities,
                        hooksError: hooksError,
                        quarantine: quarantine.map(QuarantineJSON.init),
                        also: others.map { .init(path: $0.path, status: $0.status.rawValue, error: $0.error) }),
                    to: output)
                return
            }
            var lines = ["name:     \(name)"]
            if let version = winner.version { lines.append("version:  \(version)") }
            if let summary = winner.summary, !summary.isEmpty { lines.append("summary:  \(summary)") }
            lines.append("status:   \(PluginTable.status(of: winner, quarantine: quarantine))")
            if let quarantine {
                lines.append("fault:    \(TerminalText.escaped(quarantine.description))")
                if quarantine.count > 1 {
                    lines.append(
                        "first:    \(QuarantineEntry.utcText(quarantine.firstAt)) (first of \(quarantine.count) faults)"
                    )
                }
            }
            lines.append("path:     \(winner.path)")
            if let abi = winner.abi { lines.append("abi:      \(abi)") }
            switch winner.candidate.source {
            case .manifest(let file, let line):
                lines.append("declared: \(file):\(line) (factory \(winner.candidate.factorySymbol))")
            case .directory: lines.append("declared: dropped into \(winner.candidate.directory ?? "?")")
            case .explicit: break
            }
            for (key, value) in winner.displayableSettings {
                lines.append("default:  \(key) = \(value)")
            }
            let secrets = Self.secrets(of: winner)
            if !secrets.isEmpty {
                lines.append("secrets:  \(secrets.joined(separator: ", ")) (values never shown)")
            }
            if let error = winner.error { lines.append("error:    \(error)") }
            if let hooks {
                let hooked = hooks.sorted { $0.key < $1.key }.map { event, count in
                    Self.describeHooks(event: event, count: count, priorities: priorities?[event])
                }
                lines.append("hooks:    " + (hooked.isEmpty ? "none" : hooked.joined(separator: ", ")))
            } else if let hooksError {
                lines.append("hooks:    unknown: " + hooksError)
            }
            if winner.status == .loaded { lines += SettingsTable.lines(winner.settingsSchema) }
            for other in others {
                lines.append("also:     \(other.path) (\(other.status.rawValue)\(other.error.map { ": \($0)" } ?? ""))")
            }
            print(lines.joined(separator: "\n"))
        }

        /// The secret settings: the schema's when declared, else the plugin's `secretSettings`.
        static func secrets(of record: PluginRecord) -> [String] {
            record.settingsSchema.map { $0.secretKeys.sorted() } ?? record.secretSettings ?? []
        }

        /// Where `candidate` was declared, for the JSON form.
        /// `post_node (priority 0)`, `pre_node (2 callbacks, priorities 100, 0)`.
        static func describeHooks(event: String, count: Int, priorities: [Int]?) -> String {
            guard let priorities, priorities.count == count else { return count == 1 ? event : "\(event) (\(count))" }
            let list = priorities.map(String.init).joined(separator: ", ")
            return count == 1 ? "\(event) (priority \(list))" : "\(event) (\(count) callbacks, priorities \(list))"
        }

        private static func declaration(of candidate: PluginCandidate) -> PluginInfoJSON.Declaration {
            switch candidate.source {
            case .manifest(let file, let line):
                .init(kind: "manifest", file: file, line: line, factory: candidate.factorySymbol, directory: nil)
            case .directory:
                .init(
                    kind: "directory", file: nil, line: nil, factory: candidate.factorySymbol,
                    directory: candidate.directory)
            case .explicit:
                .init(kind: "explicit", file: nil, line: nil, factory: candidate.factorySymbol, directory: nil)
            }
        }
    }
}

/// The message for `info` of an unknown name.
enum PluginNotFoundDescription {
    static func text(name: String, searchPath: PluginSearchPath, records: [PluginRecord]) -> String {
        let directories = searchPath.directories.map(\.path).joined(separator: ", ")
        let known = Set(records.compactMap(\.name)).sorted()
        return "no plugin named '\(name)' on the plugin search path (\(directories))"
            + (known.isEmpty ? "" : "; found: " + known.joined(separator: ", "))
    }
}
