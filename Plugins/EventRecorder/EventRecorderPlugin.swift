import DagronSDK
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Appends every hook event as one JSON line to a file.
///
/// A debugging aid ("what did the engine tell plugins, in which order?") and
/// the fixture the end-to-end tests use to check event delivery through the
/// real loader. Settings: `file` (required), the path to append to, in a
/// folder that exists (checked in `configure`).
final class EventRecorderPlugin: DagronPlugin {
    let name = "event-recorder"
    let version = "1.0.0"
    let summary = "Appends every hook event as a JSON line to a file (setting: file)."
    /// The one setting, `file`: checked by the host before ``configure(_:)``.
    var settingsSchema: PluginSettingsSchema {
        [
            PluginSetting(
                "file", .filePath, required: true, help: "The file to append the events to, one JSON line each.")
        ]
    }

    private struct Line: Encodable {
        let event: String
        let node: String?
        let status: String?
        let error: String?
        let nodes: Int?
        let succeeded: Int?
        let failed: Int?
        let time: Double
    }

    private let output = Mutex<FileHandle?>(nil)
    private let path = Mutex<String?>(nil)

    func configure(_ settings: PluginSettings) throws {
        try settings.rejectUnknownKeys(allowed: ["file"])
        guard let file = try settings.filePath("file") else {
            throw PluginSettingsError.missing(plugin: name, key: "file")
        }
        path.withTrackedLock { $0 = file }
    }

    func initialize(hooks: HookRegistry) throws {
        guard let file = path.withTrackedLock({ $0 }) else {
            throw PluginSettingsError.missing(plugin: name, key: "file")
        }
        let descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EventRecorderError(file: file, reason: String(cString: strerror(errno)))
        }
        output.withTrackedLock { $0 = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for event in HookEvent.allCases {
            hooks.register(event) { [self] context in
                let line = Line(
                    event: context.event.rawValue,
                    node: context.nodeName,
                    status: context.nodeResult?.status.rawValue,
                    error: context.error.map { String(describing: $0) },
                    nodes: context.dag?.nodeCount,
                    succeeded: context.executionResult?.succeeded,
                    failed: context.executionResult?.failed,
                    time: WallClock.now())
                var data = try encoder.encode(line)
                data.append(0x0A)
                try self.output.withTrackedLock { try $0?.write(contentsOf: data) }
            }
        }
    }

    func teardown() {
        output.withTrackedLock { handle in
            try? handle?.close()
            handle = nil
        }
    }
}

@_cdecl("dagron_plugin_abi_version")
public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

@_cdecl("dagron_plugin_create")
public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(EventRecorderPlugin()) }
