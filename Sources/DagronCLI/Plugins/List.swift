import ArgumentParser
import Dagron
import Foundation

extension PluginsCommand {
    /// `dagron plugins list`: one row per plugin file found on the search path.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the plugins on the search path, with their status (loaded, failed, shadowed, refused).",
            discussion: """
                Exits 0 when the listing itself worked, even if some plugins failed. Results for files \
                unchanged since the last listing are reused from ~/.cache/dagron/plugin-registry.json. \
                A plugin that crashed, exited or stalled in a run is shown with that status and the reason \
                until its file changes or `dagron plugins clear NAME` (the quarantine, \
                ~/.local/state/dagron/quarantine.json).

                With --json: an array of objects with keys name, version, status, path, error, abi \
                (and quarantine, for a quarantined plugin).
                """
        )

        @OptionGroup var search: PluginSearchOptions

        /// `dagron plugins list` is what users and scripts run most, so it
        /// skips building the parser for the whole command tree (reflection
        /// over every command's options, a third of its start-up time): when
        /// `arguments` start with `plugins list`, the rest is parsed by this
        /// command's own parser and the listing runs. Anything that parser
        /// does not accept (including `--help`) returns `false`, and the
        /// caller parses as usual, so messages and help are unchanged.
        /// - Throws: what the listing throws.
        static func runDirectly(_ arguments: [String]) throws -> Bool {
            guard arguments.count >= 2, arguments[0] == "plugins", arguments[1] == "list",
                let command = try? parse(Array(arguments.dropFirst(2)))
            else { return false }
            try command.run()
            return true
        }

        @OptionGroup var reporting: JSONOutputOption

        @Flag(
            name: .customLong("no-cache"),
            help:
                "Probe every plugin file again instead of reusing results for unchanged files (also: DAGRON_PLUGIN_CACHE=0)."
        )
        var noCache = false

        func run() throws {
            let listing = search.catalog.inventory(
                probe: search.isolatedProbe, cache: noCache ? nil : PluginRegistryCache.standard())
            let records = listing.records
            for error in listing.manifestErrors {
                try? DescriptorWriting.writeAll("dagron: warning: \(error)\n", to: STDERR_FILENO)
            }
            let quarantined = PluginQuarantine.standard()?.entries(forFiles: records.map(\.path)) ?? [:]
            if reporting.json {
                print(try PluginListingJSON.encode(records, quarantined: quarantined))
            } else {
                print(PluginTable.render(records, quarantined: quarantined, searchPath: search.searchPath))
            }
        }
    }
}

/// The `--json` form of a listing.
enum PluginListingJSON {
    private struct Row: Encodable {
        let name: String?
        let version: String?
        let status: String
        let path: String
        let error: String?
        let abi: UInt32?
        let quarantine: QuarantineJSON?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(name, forKey: .name)
            try container.encode(version, forKey: .version)
            try container.encode(status, forKey: .status)
            try container.encode(path, forKey: .path)
            try container.encode(error, forKey: .error)
            try container.encode(abi, forKey: .abi)
            // Only quarantined plugins have the key, so other rows keep their shape.
            try container.encodeIfPresent(quarantine, forKey: .quarantine)
        }
        enum Key: String, CodingKey { case name, version, status, path, error, abi, quarantine }
    }

    /// The listing as JSON; `quarantined` holds the quarantine entries by record path.
    static func encode(_ records: [PluginRecord], quarantined: [String: QuarantineEntry]) throws -> String {
        let rows = records.map { record in
            let entry = quarantined[record.path]
            return Row(
                name: record.name, version: record.version, status: PluginTable.status(of: record, quarantine: entry),
                path: record.path, error: record.error, abi: record.abi, quarantine: entry.map(QuarantineJSON.init))
        }
        return try JSONOutput.text(rows)
    }
}

/// The human form of a listing: aligned columns, the reason under anything not loaded.
enum PluginTable {
    /// The table; `quarantined` holds the quarantine entries by record path.
    static func render(_ records: [PluginRecord], quarantined: [String: QuarantineEntry], searchPath: PluginSearchPath)
        -> String
    {
        guard !records.isEmpty else {
            let directories = searchPath.directories.map { "  \($0.path) (\($0.origin.rawValue))" }.joined(
                separator: "\n")
            return "No plugins found. Searched:\n" + directories
        }
        let header = ["NAME", "VERSION", "STATUS", "PATH"]
        let rows = records.map {
            [$0.name ?? "?", $0.version ?? "-", status(of: $0, quarantine: quarantined[$0.path]), $0.path]
        }
        let widths = (0..<3).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            (0..<3).map { cells[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                + "  " + cells[3]
        }
        var lines = [line(header)]
        for (record, row) in zip(records, rows) {
            lines.append(line(row))
            if record.status != .loaded, let error = record.error {
                lines.append("    ↳ \(error)")
            }
            if let entry = quarantined[record.path] {
                lines.append("    ↳ \(TerminalText.escaped(entry.description))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A loaded plugin's status is its quarantine's fault kind (`crashed`,
    /// `exited`, `stalled`, …) while it is quarantined; otherwise the probe's status.
    static func status(of record: PluginRecord, quarantine: QuarantineEntry?) -> String {
        guard record.status == .loaded, let quarantine else { return record.status.rawValue }
        return quarantine.fault.kind.rawValue
    }
}
