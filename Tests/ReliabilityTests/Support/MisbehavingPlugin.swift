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
/// | `fault` + `at` | `fault` is `abort`, `exit` (status 0), `hang` (sleep forever), `spin` (busy loop forever), `slow` (busy loop for `spin_ms`, default 300) `flood` (write `flood_mb` MiB, default 8, to standard output and error) `chdir` (change the process's working directory to `directory`, default `/`) or `ignore_sigchld` (set `SIGCHLD` to `SIG_IGN`); `at` is `configure`, `initialize`, any hook event's raw value, `teardown` or `thread` (a thread of the plugin's, once the file `when_file` exists) (for `node`, if set; once per process) |
enum MisbehavingPlugin {
    /// The plugin's name.
    static let name = "misbehave"

    static let source = #"""
        import DagronSDK
        import Foundation
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
                faultIfAsked("configure", node: nil)
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

            private let faulted = Mutex(false)

            /// The `fault`/`at` pair: misbehaves at `at` (once).
            private func faultIfAsked(_ at: String, node: String?) {
                guard let fault = setting("fault"), setting("at") == at else { return }
                if let wanted = setting("node"), wanted != node { return }
                guard faulted.withTrackedLock({ done in defer { done = true }; return !done }) else { return }
                if let marker = setting("marker"), let file = fopen(marker, "w") { fclose(file) }
                switch fault {
                case "abort": abort()
                case "exit": exit(0)
                case "hang": while true { _ = sleep(1000) }
                case "spin":
                    var counter: UInt64 = 0
                    while true { counter &+= 1; if counter == 0 { print("wrapped") } }
                case "slow":
                    let milliseconds = Int(setting("spin_ms") ?? "") ?? 300
                    let end = clock() + clock_t(milliseconds) * clock_t(CLOCKS_PER_SEC) / 1000
                    var counter: UInt64 = 0
                    while clock() < end { counter &+= 1 }
                case "chdir": _ = chdir(setting("directory") ?? "/")
                case "ignore_sigchld": _ = signal(SIGCHLD, SIG_IGN)
                case "flood":
                    let megabytes = Int(setting("flood_mb") ?? "") ?? 8
                    let line = Array(repeating: UInt8(ascii: "x"), count: 1023) + [0x0A]
                    for _ in 0..<(megabytes * 1024) {
                        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
                        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                    }
                default: break
                }
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
                faultIfAsked("initialize", node: nil)
                if setting("at") == "thread" {
                    // A thread of the plugin's own, outside any hook: faults once `when_file` exists.
                    Thread.detachNewThread { [self] in
                        let file = setting("when_file") ?? "go"
                        while access(file, F_OK) != 0 { usleep(20_000) }
                        faultIfAsked("thread", node: nil)
                    }
                }
                if let at = setting("at"), let event = HookEvent(rawValue: at),
                   ![HookEvent.preNode, .postNode, .onError].contains(event) {
                    hooks.register(event) { [self] context in faultIfAsked(at, node: context.nodeName) }
                }
                hooks.register(.preNode) { [self] context in
                    say("pre_node \(context.nodeName ?? "")")
                    hangIfAsked("pre_node", node: context.nodeName)
                    exitIfAsked("pre_node", node: context.nodeName)
                    faultIfAsked("pre_node", node: context.nodeName)
                }
                hooks.register(.postNode) { [self] context in
                    say("post_node \(context.nodeName ?? "")")
                    hangIfAsked("post_node", node: context.nodeName)
                    exitIfAsked("post_node", node: context.nodeName)
                    faultIfAsked("post_node", node: context.nodeName)
                }
                hooks.register(.onError) { [self] context in
                    exitIfAsked("on_error", node: context.nodeName)
                    faultIfAsked("on_error", node: context.nodeName)
                }
            }

            func teardown() {
                say("teardown")
                hangIfAsked("teardown", node: nil)
                exitIfAsked("teardown", node: nil)
                faultIfAsked("teardown", node: nil)
                if setting("crash") == "teardown" { abort() }
            }
        }

        @_cdecl("dagron_plugin_abi_version")
        public func fixtureABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

        @_cdecl("dagron_plugin_create")
        public func fixtureCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(MisbehavingPlugin()) }
        """#

    private static let built = PluginFixtures.buildOnce(source, named: "libmisbehave.so", label: "misbehave")

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
