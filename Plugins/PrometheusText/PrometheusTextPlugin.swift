import DagronSDK
import Foundation
import Synchronization

/// Exposes dagron's metrics in the Prometheus text format, produced with
/// swift-metrics and swift-prometheus (see ``DagronMetrics``).
///
/// Two ways out, each optional:
/// - `listen` (default `127.0.0.1:9464`, `off` to disable): an HTTP
///   `/metrics` endpoint, `HOST:PORT` or `[IPv6]:PORT` with a port from 0 to
///   65535 (checked in `configure`). Port 0 picks a free port; the bound address is
///   printed on standard error (and sent to the host's log as a debug record).
/// - `textfile`: a file for node_exporter's textfile collector, written
///   atomically at the end of every execution and at teardown, in a folder
///   that exists (checked in `configure`).
final class PrometheusTextPlugin: DagronPlugin {
    let name = "prometheus-text"
    /// The settings the plugin accepts (see ``PrometheusSettings/schema``).
    var settingsSchema: PluginSettingsSchema { PrometheusSettings.schema }
    let version = "1.0.0"
    let summary = "Prometheus metrics over HTTP /metrics and/or a node_exporter textfile (settings: listen, textfile)."

    private let settings = Mutex<PrometheusSettings?>(nil)
    private let metrics = Mutex<DagronMetrics?>(nil)
    private let server = MetricsServer()
    private let textfile = Mutex<TextfileWriter?>(nil)

    func configure(_ settings: PluginSettings) throws {
        let parsed = try PrometheusSettings(settings)
        self.settings.withTrackedLock { $0 = parsed }
    }

    func initialize(hooks: HookRegistry) throws {
        let settings = try self.settings.withTrackedLock { $0 } ?? PrometheusSettings(PluginSettings(plugin: name))
        let metrics = DagronMetrics()
        let writer = settings.textfile.map(TextfileWriter.init(path:))
        if let listen = settings.listen {
            let address = try server.start(host: listen.host, port: listen.port) { metrics.exposition() }
            announce("prometheus-text: serving metrics on http://\(address)/metrics", address: address)
        }
        self.metrics.withTrackedLock { $0 = metrics }
        textfile.withTrackedLock { $0 = writer }

        hooks.register(.preExecute) { context in
            if let dag = context.dag { metrics.executionStarted(dag) }
        }
        hooks.register(.preNode) { _ in metrics.nodeStarted() }
        hooks.register(.postNode) { context in
            guard let node = context.nodeName else { return }
            metrics.nodeCompleted(
                node, index: context.nodeIndex, dag: context.dag,
                seconds: context.nodeResult?.durationSeconds ?? 0)
        }
        hooks.register(.onError) { context in
            guard let node = context.nodeName else { return }
            let status = context.nodeResult?.status ?? .failed
            metrics.nodeFinished(
                node, status: status.rawValue,
                seconds: context.nodeResult?.durationSeconds ?? 0,
                failed: status == .failed || status == .timedOut)
        }
        hooks.register(.postExecute) { context in
            if let result = context.executionResult {
                let outcome = result.wasCancelled ? "cancelled" : result.isSuccess ? "success" : "failure"
                metrics.executionFinished(outcome: outcome, seconds: result.totalDurationSeconds)
            }
            if let writer { Self.writeTextfile(writer, metrics) }
        }
    }

    func teardown() {
        server.stop()
        let metrics = self.metrics.withTrackedLock { metrics in
            defer { metrics = nil }
            return metrics
        }
        if let metrics, let writer = textfile.withTrackedLock({ $0 }) {
            Self.writeTextfile(writer, metrics)
        }
        textfile.withTrackedLock { $0 = nil }
    }

    /// Writes the textfile; a failure (the folder removed, the disk full) is
    /// a warning on standard error (through the host's console), not a failed run.
    private static func writeTextfile(_ writer: TextfileWriter, _ metrics: DagronMetrics) {
        do {
            try writer.write { metrics.exposition() }
        } catch {
            HostConsole.print("dagron: warning: \(error)", to: .error)
        }
    }

    /// Tells the user where the endpoint is: one line on standard error
    /// through the host's console (always, so a port-0 address is visible
    /// whatever the host's log level), and a debug record with the address
    /// as metadata for hosts that installed a ``HostLog`` sink.
    private func announce(_ message: String, address: String) {
        HostConsole.print(message, to: .error)
        HostLog.emit(
            LogRecord(
                level: .debug, label: "dagron.prometheus-text", message: message,
                metadata: ["address": address, "plugin": name]))
    }
}

@_cdecl("dagron_plugin_abi_version")
public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

@_cdecl("dagron_plugin_create")
public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(PrometheusTextPlugin()) }
