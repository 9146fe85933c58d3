import Dagron
@_spi(DagronHost) import DagronSDK
import Synchronization
import Testing

final class ProbePlugin: DagronPlugin {
    let name: String
    let log: Recorder<String>
    let failInitialize: Bool
    let keepHooksOnTeardown: Bool

    init(_ name: String, log: Recorder<String>, failInitialize: Bool = false, keepHooksOnTeardown: Bool = true) {
        self.name = name
        self.log = log
        self.failInitialize = failInitialize
        self.keepHooksOnTeardown = keepHooksOnTeardown
    }

    func configure(_ settings: PluginSettings) throws {
        try settings.rejectUnknownKeys(allowed: ["mode"])
        log.append("configure:\(name):\(settings["mode"] ?? "-")")
    }

    func initialize(hooks: HookRegistry) throws {
        hooks.register(.preNode) { [log, name] ctx in log.append("\(name) saw \(ctx.nodeName ?? "")") }
        log.append("initialize:\(name)")
        if failInitialize { throw Boom(message: "cannot start") }
    }

    func teardown() { log.append("teardown:\(name)") }
}

@Suite("PluginManager")
struct PluginManagerTests {
    func quietManager(_ warnings: Recorder<String>) -> PluginManager {
        PluginManager(warningHandler: { warnings.append($0) })
    }

    @Test func lifecycleInOrderWithSettings() throws {
        let log = Recorder<String>()
        let warnings = Recorder<String>()
        let manager = quietManager(warnings)
        manager.register(ProbePlugin("one", log: log), settings: PluginSettings(plugin: "one", ["mode": "fast"]))
        manager.register(ProbePlugin("two", log: log))
        #expect(manager.plugins.map(\.name) == ["one", "two"])
        #expect(manager.initializeAll().isEmpty)
        #expect(manager.isInitialized("one"))
        manager.hooks.fire(HookContext(event: .preNode, nodeName: "x"))
        manager.teardownAll()
        #expect(
            log.all == [
                "configure:one:fast", "initialize:one", "configure:two:-", "initialize:two",
                "one saw x", "two saw x",
                "teardown:two", "teardown:one",
            ])
        #expect(manager.hooks.hookCount() == 0)
        #expect(warnings.all.isEmpty)
        #expect(!manager.isInitialized("one"))
    }

    @Test func failedInitializeIsReportedAndItsHooksRemoved() {
        let log = Recorder<String>()
        let warnings = Recorder<String>()
        let manager = quietManager(warnings)
        manager.register(ProbePlugin("broken", log: log, failInitialize: true), origin: "/tmp/libbroken.so")
        manager.register(ProbePlugin("fine", log: log))
        let failures = manager.initializeAll()
        #expect(failures.map(\.name) == ["broken"])
        #expect(failures.first?.description == "plugin 'broken' (from /tmp/libbroken.so): cannot start")
        #expect(warnings.all == ["plugin 'broken' (from /tmp/libbroken.so): cannot start"])
        #expect(manager.hooks.hookCount() == 1)
        #expect(manager.hooks.events(registeredBy: "broken").isEmpty)
        #expect(!manager.isInitialized("broken"))
        #expect(manager.isInitialized("fine"))
    }

    @Test func badSettingsFailInitialization() {
        let log = Recorder<String>()
        let warnings = Recorder<String>()
        let manager = quietManager(warnings)
        manager.register(ProbePlugin("p", log: log), settings: PluginSettings(plugin: "p", ["colour": "red"]))
        let failures = manager.initializeAll()
        #expect(failures.count == 1)
        #expect(warnings.all.first?.contains("unknown setting 'colour'") == true)
        #expect(!log.all.contains("initialize:p"))
    }

    @Test func duplicateNameWarnsReplacesAndInitializesTheReplacement() {
        let log = Recorder<String>()
        let warnings = Recorder<String>()
        let manager = quietManager(warnings)
        let first = ProbePlugin("dup", log: log)
        manager.register(first)
        manager.initializeAll()
        let second = ProbePlugin("dup", log: log)
        manager.register(second)
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains("'dup' was registered again") == true)
        #expect(manager.plugins.count == 1)
        #expect(manager.plugin(named: "dup") as AnyObject === second)
        // The replaced plugin was torn down and its hooks dropped; the new one initializes.
        #expect(manager.hooks.hookCount() == 0)
        manager.initializeAll()
        #expect(manager.isInitialized("dup"))
        #expect(manager.hooks.hookCount() == 1)
        #expect(log.all.filter { $0 == "initialize:dup" }.count == 2)
        #expect(log.all.contains("teardown:dup"))
    }

    @Test func teardownRemovesHooksThePluginForgot() {
        let log = Recorder<String>()
        let manager = quietManager(Recorder())
        manager.register(ProbePlugin("forgetful", log: log, keepHooksOnTeardown: true))
        manager.initializeAll()
        #expect(manager.hooks.hookCount() == 1)
        manager.teardownAll()
        #expect(manager.hooks.hookCount() == 0)
        // Idempotent: a second teardown does nothing.
        manager.teardownAll()
        #expect(log.all.filter { $0.hasPrefix("teardown") }.count == 1)
    }

    @Test func initializeAllOnlyInitializesNewcomers() {
        let log = Recorder<String>()
        let manager = quietManager(Recorder())
        manager.register(ProbePlugin("a", log: log))
        manager.initializeAll()
        manager.register(ProbePlugin("b", log: log))
        manager.initializeAll()
        #expect(log.all.filter { $0.hasPrefix("initialize") } == ["initialize:a", "initialize:b"])
        manager.unregister("a")
        #expect(manager.plugins.map(\.name) == ["b"])
        #expect(manager.hooks.events(registeredBy: "a").isEmpty)
    }

    @Test func discoverRegistersWhatSourcesFindAndReportsFailures() {
        struct FixedSource: PluginSource {
            let log: Recorder<String>
            func discoverPlugins() -> [PluginDiscovery] {
                [
                    .loaded(ProbePlugin("found", log: log), origin: "/plugins/libfound.so", settings: nil),
                    .failed(
                        PluginFailure(name: nil, origin: "/plugins/libbad.so", error: Boom(message: "not an ELF file"))),
                ]
            }
        }
        let warnings = Recorder<String>()
        let manager = quietManager(warnings)
        let report = manager.discover(from: [FixedSource(log: Recorder())])
        #expect(report.loaded == ["found"])
        #expect(report.failures.count == 1)
        #expect(manager.plugins.map(\.name) == ["found"])
        #expect(warnings.all == ["plugin (from /plugins/libbad.so): not an ELF file"])
    }

    @Test func sharedManagerOneLineRegistration() {
        let plugin = dagronPlugin(ProbePlugin("shared-probe-\(UInt64.random(in: 0...UInt64.max))", log: Recorder()))
        #expect(PluginManager.shared.plugin(named: plugin.name) != nil)
        PluginManager.shared.unregister(plugin.name)
        #expect(PluginManager.shared.plugin(named: plugin.name) == nil)
    }
}
