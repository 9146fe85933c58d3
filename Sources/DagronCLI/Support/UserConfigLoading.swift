import Dagron
import Foundation

/// Reads the user configuration file for a command (``UserConfig``),
/// printing every issue and exiting with code 2 when it is unusable; `nil`
/// when there is none.
func loadUserConfig(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> UserConfig? {
    guard let path = UserConfig.standardPath(environment: environment) else { return nil }
    do {
        return try UserConfigParser().parse(fileAt: path)
    } catch {
        for issue in error.issues { printError(issue.description) }
        if error.issues.count > 1 { printError("\(error.issues.count) problems in \(path)") }
        throw ExitStatus.usage
    }
}
