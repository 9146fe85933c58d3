import DagronSDK
import Logging
import Synchronization

/// Logs every hook event through swift-log, with structured metadata
/// (`node`, `status`, `duration`, `error`, ...).
///
/// Settings:
/// - `level`: the lowest level logged (`trace` ... `critical`, default `info`);
/// - `format`: `text` (default) or `json` (one JSON object per line, for log shippers);
/// - `file`: append to this file instead of standard error.
///
/// Where records go: with `file`, always to the plugin's own handler writing
/// that file. Otherwise, when the host installed a ``HostLog`` sink, records
/// are forwarded to it (the host's handler); when it did not, the plugin's own
/// handler writes standard error. The plugin says which at initialization.
final class LoggingPlugin: DagronPlugin {
    let name = "logging"
    let version = "1.0.0"
    let summary = "Logs every lifecycle event through swift-log (settings: level, format, file)."

    private struct Running: Sendable {
        var logger: Logger
        var sink: LogSink?
    }

    private let settings = Mutex<LoggingSettings?>(nil)
    private let running = Mutex<Running?>(nil)

    func configure(_ settings: PluginSettings) throws {
        let parsed = try LoggingSettings(settings)
        self.settings.withLock { $0 = parsed }
    }

    func initialize(hooks: HookRegistry) throws {
        let settings = try self.settings.withLock { $0 } ?? LoggingSettings(PluginSettings(plugin: name))
        let destination: String
        let sink: LogSink?
        var logger: Logger
        if settings.file == nil && HostLog.isInstalled {
            sink = nil
            destination = "the host's log handler"
            logger = Logger(label: "dagron.logging") { label in HostLogHandler(label: label) }
        } else {
            let opened = try LogSink(path: settings.file)
            sink = opened
            destination = "its own \(settings.format.rawValue) handler writing \(settings.file ?? "standard error")"
            let format = settings.format
            logger = Logger(label: "dagron.logging") { label in LineLogHandler(label: label, format: format, sink: opened) }
        }
        logger.logLevel = settings.level
        running.withLock { $0 = Running(logger: logger, sink: sink) }
        logger.info("logging plugin uses \(destination)", metadata: [
            "handler": .string(sink == nil ? "host" : "own"),
            "format": .string(settings.format.rawValue),
            "level": .string(settings.level.rawValue),
        ])
        for event in HookEvent.allCases {
            hooks.register(event) { [logger, sink] context in
                defer { if context.event == .postExecute { sink?.flush() } }
                guard logger.logLevel <= EventLogEntry.level(of: context) else { return }
                let entry = EventLogEntry(context)
                logger.log(level: entry.level, "\(entry.message)", metadata: entry.metadata)
            }
        }
    }

    func teardown() {
        let current = running.withLock { running in
            defer { running = nil }
            return running
        }
        current?.sink?.close()
    }
}

@_cdecl("dagron_plugin_abi_version")
public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

@_cdecl("dagron_plugin_create")
public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(LoggingPlugin()) }
