import ArgumentParser
import Dagron
import Foundation

extension PluginsCommand {
    /// `dagron plugins clear NAME|--all`: takes plugins out of the quarantine.
    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear",
            abstract: "Take a plugin (or, with --all, every plugin) out of the quarantine.",
            discussion: """
                A plugin that crashed, exited or stalled in a run is quarantined: `dagron plugins list` \\
                shows why, and runs keep it isolated, until its file changes or it is cleared here. \\
                The quarantine is $XDG_STATE_HOME/dagron/quarantine.json (default \\
                ~/.local/state/dagron/quarantine.json; DAGRON_QUARANTINE=PATH moves it, =0 disables it). \\
                Exits 2 for a name that is neither quarantined nor on the plugin search path.
                """
        )

        @Argument(help: "The plugin's name.", completion: .custom { PluginNameCompletion.complete($0, $1, $2) })
        var name: String?

        @Flag(help: "Clear every quarantined plugin.")
        var all = false

        @OptionGroup var search: PluginSearchOptions

        func validate() throws {
            if all, name != nil { throw ValidationError("give a plugin name or --all, not both") }
            if !all, name == nil { throw ValidationError("give the name of the plugin to clear, or --all") }
            if let name, name.isEmpty { throw ValidationError("the plugin name is empty") }
        }

        func run() throws {
            guard let quarantine = PluginQuarantine.standard() else {
                print("The quarantine is disabled (\(PluginQuarantine.environmentVariable)=0): nothing to clear.")
                return
            }
            let removed: Int
            do {
                removed = all ? try quarantine.clearAll() : try quarantine.clear(plugin: name ?? "")
            } catch {
                printError("cannot clear the quarantine: \(error)")
                throw ExitStatus.failure
            }
            guard let name else {
                print(
                    removed == 0
                        ? "No plugin is quarantined."
                        : "Cleared \(removed) quarantined plugin file\(removed == 1 ? "" : "s").")
                return
            }
            if removed > 0 {
                print("Cleared '\(TerminalText.escaped(name))': it is no longer quarantined.")
                return
            }
            // Nothing to clear: is NAME a plugin at all?
            let records = search.catalog.inventory(
                probe: search.isolatedProbe, cache: PluginRegistryCache.standard(), name: name
            ).records
            guard records.contains(where: { $0.name == name }) else {
                printError(
                    PluginNotFoundDescription.text(name: name, searchPath: search.searchPath, records: records)
                        + "; nothing is quarantined under that name")
                throw ExitStatus.usage
            }
            print("'\(TerminalText.escaped(name))' is not quarantined: nothing to clear.")
        }
    }
}
