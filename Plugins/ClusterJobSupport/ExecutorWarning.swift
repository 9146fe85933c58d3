import DagronSDK
import Foundation

/// A warning from an executor plugin: through the host's log when it
/// installed one, else one line on standard error.
public enum ExecutorWarning {
    /// Reports `message` as plugin `plugin`'s warning.
    public static func emit(plugin: String, _ message: String) {
        let record = LogRecord(
            level: .warning, label: "dagron.plugin.\(plugin)", message: message, metadata: ["plugin": plugin])
        if !HostLog.emit(record) {
            try? FileHandle.standardError.write(
                contentsOf: Data("dagron: warning: plugin '\(plugin)': \(message)\n".utf8))
        }
    }
}
