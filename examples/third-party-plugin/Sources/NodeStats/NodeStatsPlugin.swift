import DagronSDK
import Foundation
import Synchronization

/// Counts the nodes of each run and, when the run ends, appends a one-line
/// JSON summary to a file.
///
/// Settings:
/// - `output` (required): the file to append summaries to.
/// - `label` (optional): a label written into each summary; default `run`.
public final class NodeStatsPlugin: DagronPlugin {
    public let name = "node-stats"
    public let version = "1.0.0"
    public let summary =
        "Counts started, completed and failed nodes; appends a JSON summary per run (settings: output, label)."

    /// What has been counted in the current run.
    public struct Counts: Sendable, Equatable {
        public var started = 0
        public var completed = 0
        public var failed = 0

        /// Creates counts.
        public init(started: Int = 0, completed: Int = 0, failed: Int = 0) {
            self.started = started
            self.completed = completed
            self.failed = failed
        }
    }

    private struct Config: Sendable {
        var output: String
        var label: String
    }

    private let config = Mutex<Config?>(nil)
    private let current = Mutex(Counts())

    public init() {}

    /// The counts so far (reset when a run starts).
    public var counts: Counts { current.withLock { $0 } }

    public func configure(_ settings: PluginSettings) throws {
        try settings.rejectUnknownKeys(allowed: ["output", "label"])
        let output = try settings.required("output")
        let label = settings.string("label", default: "run")
        config.withLock { $0 = Config(output: output, label: label) }
    }

    public func initialize(hooks: HookRegistry) throws {
        guard config.withLock({ $0 }) != nil else {
            throw PluginSettingsError.missing(plugin: name, key: "output")
        }
        hooks.register(.preExecute) { [self] _ in current.withLock { $0 = Counts() } }
        hooks.register(.preNode) { [self] _ in current.withLock { $0.started += 1 } }
        hooks.register(.postNode) { [self] context in
            current.withLock { counts in
                if context.nodeResult?.status == .completed { counts.completed += 1 }
            }
        }
        hooks.register(.onError) { [self] _ in current.withLock { $0.failed += 1 } }
        hooks.register(.postExecute) { [self] _ in self.appendSummary() }
    }

    /// Appends the summary line. Never throws: a hook must not (see DagronPlugin).
    private func appendSummary() {
        guard let config = config.withLock({ $0 }) else { return }
        let counts = self.counts
        let line =
            "{\"label\":\"\(config.label)\",\"started\":\(counts.started),\"completed\":\(counts.completed),\"failed\":\(counts.failed)}\n"
        guard
            let handle = FileHandle(forWritingAtPath: config.output)
                ?? {
                    FileManager.default.createFile(atPath: config.output, contents: nil)
                        ? FileHandle(forWritingAtPath: config.output) : nil
                }()
        else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data(line.utf8))
    }
}

// The two C symbols the dagron host looks for (see DagronPluginABI).

@_cdecl("dagron_plugin_abi_version")
public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

@_cdecl("dagron_plugin_create")
public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(NodeStatsPlugin()) }
