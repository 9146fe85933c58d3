import Foundation
import TestSupport
import Testing

/// A Swift plugin, `misbehave`, that does what its settings ask, built once
/// per test process into a folder of its own (mode 0755, as the loader wants):
///
/// | Setting | Effect |
/// |---|---|
/// | `hang` | `pre_node`, `post_node` or `teardown`: never return from that callback (for `node`, if set), after creating the file `marker` (if set) |
/// | `crash` | `teardown`: abort the process in `teardown()` |
/// | `print` | `true`: write a line to standard output (Swift `print`, `fputs`, `write(1)`) at initialization, in each hook and at teardown |
/// | `exit` | `initialize`, `pre_node`, `post_node`, `on_error` or `teardown`: call `exit(0)` there (for `node`, if set) |
enum MisbehavingPlugin {
    /// The plugin's name.
    static let name = "misbehave"

    static let source = #"""
    import DagronSDK
    import Synchronization
    #if canImport(Glibc)
    import Glibc
    #endif

    final class MisbehavingPlugin: DagronPlugin {
        let name = "misbehave"
        let version = "1.0.0"
        private let values = Mutex<[String: String]>([:])

        func configure(_ settings: PluginSettings) throws {
            values.withTrackedLock { $0 = settings.values }
        }

        private func setting(_ key: String) -> String? {
            values.withTrackedLock { $0[key] }
        }

        private func hangIfAsked(_ event: String, node: String?) {
            guard setting("hang") == event else { return }
            if let wanted = setting("node"), wanted != node { return }
            if let marker = setting("marker"), let file = fopen(marker, "w") { fclose(file) }
            while true { _ = sleep(1000) }
        }

        private func exitIfAsked(_ event: String, node: String?) {
            guard setting("exit") == event else { return }
            if let wanted = setting("node"), wanted != node { return }
            exit(0)
        }

        private func say(_ text: String) {
            guard setting("print") == "true" else { return }
            print("misbehave-print: \(text)")
            fputs("misbehave-fputs: \(text)\n", stdout)
            let line = Array("misbehave-write: \(text)\n".utf8)
            _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        }

        func initialize(hooks: HookRegistry) throws {
            say("initialize")
            exitIfAsked("initialize", node: nil)
            hooks.register(.preNode) { [self] context in
                say("pre_node \(context.nodeName ?? "")")
                hangIfAsked("pre_node", node: context.nodeName)
                exitIfAsked("pre_node", node: context.nodeName)
            }
            hooks.register(.postNode) { [self] context in
                say("post_node \(context.nodeName ?? "")")
                hangIfAsked("post_node", node: context.nodeName)
                exitIfAsked("post_node", node: context.nodeName)
            }
            hooks.register(.onError) { [self] context in
                exitIfAsked("on_error", node: context.nodeName)
            }
        }

        func teardown() {
            say("teardown")
            hangIfAsked("teardown", node: nil)
            exitIfAsked("teardown", node: nil)
            if setting("crash") == "teardown" { abort() }
        }
    }

    @_cdecl("dagron_plugin_abi_version")
    public func fixtureABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

    @_cdecl("dagron_plugin_create")
    public func fixtureCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(MisbehavingPlugin()) }
    """#

    private static let built: Result<String, PluginFixtures.BuildError> = {
        let directory = (NSTemporaryDirectory() + "/dagron-misbehave-\(getpid())" as NSString).standardizingPath
        do {
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            atexit { try? FileManager.default.removeItem(atPath: (NSTemporaryDirectory() + "/dagron-misbehave-\(getpid())" as NSString).standardizingPath) }
            try PluginFixtures.buildSwift(source, named: "libmisbehave.so", in: directory)
            return .success(directory)
        } catch let error as PluginFixtures.BuildError {
            return .failure(error)
        } catch {
            return .failure(PluginFixtures.BuildError(description: "\(error)"))
        }
    }()

    /// The folder holding the built plugin, for `--plugin-path` (absolute).
    static func directory() throws -> String {
        try built.get()
    }

    /// `dagron run` arguments that load the plugin with `settings`.
    static func arguments(_ settings: [String: String]) throws -> [String] {
        var arguments = ["--plugin-path", try directory(), "--plugin", name]
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            arguments += ["--set", "\(name).\(key)=\(value)"]
        }
        return arguments
    }
}
