import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Logging

/// swift-log for the `dagron` process, and the bridge that brings plugins'
/// log records into it.
///
/// Records go to standard error, through ``TerminalConsole`` (never glued
/// onto the status line), at the level `DAGRON_LOG_LEVEL` names (`trace` ...
/// `critical`, default `warning`). Plugins have their own copy of swift-log,
/// so they log through ``HostLog``; the sink installed here forwards each
/// ``LogRecord`` to a host `Logger` with the plugin's label, control
/// characters escaped (``TerminalText``). A record that carries the level
/// its plugin chose (``LogRecord/minimumLevel``, such as the `logging`
/// plugin's `level` setting) is shown at that level: a plugin's own setting
/// governs its own output; other records are held to `DAGRON_LOG_LEVEL`.
///
/// It also installs the ``HostConsole`` sink (``TerminalConsole``).
enum CommandLogging {
    /// The environment variable holding the log level.
    static let levelVariable = "DAGRON_LOG_LEVEL"

    /// Bootstraps swift-log and installs the ``HostLog`` sink. Call once, first.
    static func bootstrap(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let given = environment[levelVariable].flatMap { $0.isEmpty ? nil : $0 }
        let level = given.flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .warning
        if let given, Logger.Level(rawValue: given.lowercased()) == nil {
            // Straight to standard error: nothing else has been written yet.
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            let warning = "\(levelVariable) is '\(given)', not a level (\(levels)): using warning"
            try? DescriptorWriting.writeAll("dagron: warning: \(TerminalText.escaped(warning))\n", to: STDERR_FILENO)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler(label: label, stream: TerminalConsoleErrorStream())
            handler.logLevel = level
            return handler
        }
        TerminalConsole.installHostSink()
        HostLog.install { record in
            let threshold = record.minimumLevel.map(Logger.Level.init) ?? level
            guard Logger.Level(record.level) >= threshold else { return }
            var logger = Logger(label: record.label)
            logger.logLevel = .trace
            // Records quote node output, gate reasons and file names: no raw control characters on the terminal.
            var metadata = Logger.Metadata()
            for (key, value) in record.metadata {
                metadata[TerminalText.escaped(key)] = .string(TerminalText.escaped(value))
            }
            logger.log(
                level: Logger.Level(record.level), "\(TerminalText.escaped(record.message))", metadata: metadata,
                source: record.source)
        }
    }
}

extension Logger.Level {
    /// The swift-log level of a plugin record's severity.
    init(_ severity: LogSeverity) {
        switch severity {
        case .trace: self = .trace
        case .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        @unknown default: self = .info
        }
    }
}
