@_spi(DagronHost) import DagronSDK
import Synchronization
import Testing

final class SamplePlugin: DagronPlugin {
    let name = "sample"
    let calls = Atomic<Int>(0)
    func initialize(hooks: HookRegistry) throws {
        hooks.register(.postNode) { [self] _ in calls.add(1, ordering: .relaxed) }
    }
}

final class OtherObject {}

@Suite("Plugin contract")
struct PluginContractTests {
    @Test func defaultsForVersionSummaryAndTeardown() throws {
        let plugin = SamplePlugin()
        #expect(plugin.version == "0.0.0")
        #expect(plugin.summary == "")
        #expect(plugin.secretSettings.isEmpty)
        plugin.teardown()
    }

    @Test func pluginWorksInIsolation() throws {
        let hooks = HookRegistry()
        let plugin = SamplePlugin()
        try plugin.configure(PluginSettings(plugin: plugin.name))
        try plugin.initialize(hooks: hooks)
        hooks.fire(HookContext(event: .postNode, nodeName: "a"))
        #expect(plugin.calls.load(ordering: .relaxed) == 1)
    }

    @Test func defaultConfigureRejectsAnySetting() {
        let plugin = SamplePlugin()
        #expect(throws: PluginSettingsError.unknownKeys(plugin: "sample", keys: ["colour"])) {
            try plugin.configure(PluginSettings(plugin: "sample", ["colour": "red"]))
        }
    }

    @Test func boxRoundTripsThroughAnOpaquePointer() throws {
        let pointer = DagronPluginBox.export(SamplePlugin())
        let plugin = try DagronPluginBox.take(pointer).get()
        #expect(plugin.name == "sample")
    }

    @Test func foreignObjectIsReportedWithItsType() {
        let pointer = Unmanaged.passRetained(OtherObject()).toOpaque()
        switch DagronPluginBox.take(pointer) {
        case .success: Issue.record("a foreign object must not pass as a plugin")
        case .failure(let failure): #expect(failure.typeName.hasSuffix("OtherObject"))
        }
    }

    @Test func abiVersionIsCompiledIn() {
        #expect(DagronPluginABI.compiledVersion == DagronPluginABI.runtimeVersion)
        #expect(DagronPluginABI.factorySymbol == "dagron_plugin_create")
        #expect(DagronPluginABI.abiVersionSymbol == "dagron_plugin_abi_version")
    }
}

@Suite("Plugin settings")
struct PluginSettingsTests {
    let settings = PluginSettings(
        plugin: "demo",
        [
            "port": "9000", "ratio": "0.5", "verbose": "yes", "format": "json", "bad": "x", "empty": "",
        ])

    @Test func typedAccessors() throws {
        #expect(try settings.int("port", default: 1) == 9000)
        #expect(try settings.int("missing", default: 7) == 7)
        #expect(try settings.double("ratio", default: 0) == 0.5)
        #expect(try settings.bool("verbose", default: false))
        #expect(try settings.choice("format", in: ["text", "json"], default: "text") == "json")
        #expect(settings.string("missing", default: "d") == "d")
        #expect(try settings.required("port") == "9000")
    }

    @Test func errorsNameThePluginAndTheKey() {
        #expect(throws: PluginSettingsError.missing(plugin: "demo", key: "url")) { try settings.required("url") }
        #expect(throws: PluginSettingsError.missing(plugin: "demo", key: "empty")) { try settings.required("empty") }
        let malformed = #expect(throws: PluginSettingsError.self) { try settings.int("bad", default: 0) }
        #expect(malformed?.description == "plugin 'demo': setting 'bad' is 'x', expected an integer")
        #expect(throws: PluginSettingsError.self) { try settings.bool("bad", default: true) }
        #expect(throws: PluginSettingsError.self) { try settings.double("bad", default: 0) }
        #expect(throws: PluginSettingsError.self) { try settings.choice("bad", in: ["a"], default: "a") }
        let unknown = #expect(throws: PluginSettingsError.self) {
            try settings.rejectUnknownKeys(allowed: ["port", "ratio", "verbose", "format"])
        }
        #expect(unknown?.description == "plugin 'demo': unknown settings 'bad', 'empty'")
    }
}

@Suite("Host log bridge")
struct HostLogTests {
    @Test func emitReachesTheInstalledSinkOnly() {
        let records = Recorder<String>()
        HostLog.install(nil)
        #expect(!HostLog.isInstalled)
        #expect(!HostLog.emit(LogRecord(level: .info, label: "t", message: "dropped")))
        HostLog.install { records.append("\($0.level.rawValue) \($0.label) \($0.message)") }
        #expect(HostLog.emit(LogRecord(level: .warning, label: "plugin", message: "hello", metadata: ["k": "v"])))
        HostLog.install(nil)
        #expect(records.all == ["warning plugin hello"])
        #expect(LogSeverity.error > LogSeverity.info)
    }
}
