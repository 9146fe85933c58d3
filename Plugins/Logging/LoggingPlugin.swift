import DagronSDK
import Logging
import Synchronization

/// Logs every hook event through swift-log, with structured metadata
/// (`node`, `status`, `duration`, `error`, ...).
///
/// Settings:
/// - `level`: the lowest level logged (`trace` ... `critical`, default `info`);
/// - `format`: `text` (default) or `json` (one JSON object per line, for log shippers);
/// - `file`: append to this file instead of standard error (its folder must
///   exist: checked in `configure`).
///
/// Where records go: with `file`, always to the plugin's own handler writing
/// that file. Otherwise, when the host installed a ``HostLog`` sink, records
/// are forwarded to it (the host's handler); when it did not, the plugin's own
/// handler writes standard error. The plugin says which at initialization.
///
/// The hooks only queue the event (see ``EventLogQueue``); the `dagron-log`
/// thread builds the record and logs it, so the executor's workers never
/// format or write. The log is complete when `post_execute` returns, and an
/// error-level event is written out before its hook returns.
final class LoggingPlugin: DagronPlugin {
    let name = "logging"
    /// The settings the plugin accepts (see ``LoggingSettings/schema``).
    var settingsSchema: PluginSettingsSchema { LoggingSettings.schema }
    let version = "1.0.0"
    let summary = "Logs every lifecycle event through swift-log (settings: level, format, file)."

    private struct Running: Sendable {
        var sink: LogSink?
        var queue: EventLogQueue
    }

    private let settings = Mutex<LoggingSettings?>(nil)
    private let running = Mutex<Running?>(nil)

    func configure(_ settings: PluginSettings) throws {
        let parsed = try LoggingSettings(settings)
        self.settings.withTrackedLock { $0 = parsed }
    }

    func initialize(hooks: HookRegistry) throws {
        let settings = try self.settings.withTrackedLock { $0 } ?? LoggingSettings(PluginSettings(plugin: name))
        let destination: String
        let sink: LogSink?
        var logger: Logger
        let recordLogger: EventRecordLogger
        if settings.file == nil && HostLog.isInstalled {
            sink = nil
            destination = "the host's log handler"
            logger = Logger(label: "dagron.logging") { label in HostLogHandler(label: label) }
            logger.logLevel = settings.level
            recordLogger = EventRecordLogger(logger: logger)
        } else {
            let opened = try LogSink(path: settings.file)
            sink = opened
            destination = "its own \(settings.format.rawValue) handler writing \(settings.file ?? "standard error")"
            var handler = LineLogHandler(label: "dagron.logging", format: settings.format, sink: opened)
            handler.logLevel = settings.level
            logger = Logger(label: handler.label) { [handler] _ in handler }
            recordLogger = EventRecordLogger(lines: handler)
        }
        logger.info(
            "logging plugin uses \(destination)",
            metadata: [
                "handler": .string(sink == nil ? "host" : "own"),
                "format": .string(settings.format.rawValue),
                "level": .string(settings.level.rawValue),
            ])
        let queue = EventLogQueue(
            log: { record in recordLogger.log(record) },
            caughtUp: { sink?.flush() })
        let previous = running.withTrackedLock { running in
            defer { running = Running(sink: sink, queue: queue) }
            return running
        }
        previous?.queue.stop()
        previous?.sink?.close()
        for event in HookEvent.allCases {
            hooks.register(event) { [level = settings.level, queue] context in
                let eventLevel = EventLogEntry.level(of: context)
                if level <= eventLevel { queue.enqueue(EventRecord(context, level: eventLevel, time: .now())) }
                if eventLevel >= .error || context.event == .postExecute { queue.flush() }
            }
        }
    }

    /// Logs what is still queued, stops the `dagron-log` thread and closes the file.
    func teardown() {
        let current = running.withTrackedLock { running in
            defer { running = nil }
            return running
        }
        current?.queue.stop()
        current?.sink?.close()
    }
}

@_cdecl("dagron_plugin_abi_version")
public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

@_cdecl("dagron_plugin_create")
public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(LoggingPlugin()) }
