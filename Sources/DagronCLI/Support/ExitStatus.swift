import ArgumentParser
import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation

/// The exit codes of `dagron`, as documented in `docs/run.md`.
enum ExitStatus {
    /// Every node succeeded (or the command did what it was asked).
    static let success = ExitCode(0)
    /// A node failed, timed out or was rejected; or a gate decision was refused.
    static let failure = ExitCode(1)
    /// Usage, pipeline-file or plugin setup errors: nothing ran.
    static let usage = ExitCode(2)
    /// Interrupted by Ctrl-C or SIGTERM.
    static let interrupted = ExitCode(130)
}

extension DagronCommand {
    /// Parses and runs the command like ArgumentParser's default entry point,
    /// but reports usage errors with exit code 2 (instead of 64), as
    /// `docs/run.md` documents, and bootstraps logging first.
    /// `dagron plugins list` takes a shorter way (see
    /// ``PluginsCommand/List/runDirectly(_:)``).
    static func main() async {
        // Before any thread starts: see HookRegistry.prepareProcess().
        HookRegistry.prepareProcess()
        CommandLogging.bootstrap()
        do {
            if try PluginsCommand.List.runDirectly(Array(CommandLine.arguments.dropFirst())) { return }
            var command = try parseAsRoot()
            do {
                if var asyncCommand = command as? AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            } catch let error as ValidationError {
                // Found while running (a plugin that is not there, a value
                // only checkable then): an error like the others, no usage block.
                printError(error.message)
                Foundation.exit(ExitStatus.usage.rawValue)
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                let message = fullMessage(for: error)
                try? DescriptorWriting.writeAll(message.hasSuffix("\n") ? message : message + "\n", to: STDERR_FILENO)
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// Writes `dagron: error: <message>` to standard error, control
/// characters escaped (``TerminalText``), above the status line.
func printError(_ message: String) {
    TerminalConsole.shared.write("dagron: error: \(TerminalText.escaped(message))\n", to: .error)
}

/// Writes `dagron: <message>` to standard error: a note after errors
/// already printed (control characters escaped).
func printNote(_ message: String) {
    try? DescriptorWriting.writeAll("dagron: \(TerminalText.escaped(message))\n", to: STDERR_FILENO)
}

/// Writes `dagron: warning: <message>` to standard error, control
/// characters escaped (``TerminalText``), above the status line.
func printWarning(_ message: String) {
    TerminalConsole.shared.write("dagron: warning: \(TerminalText.escaped(message))\n", to: .error)
}
