import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

@Suite("Loading the bundled plugins from the build tree")
struct BundledPluginLoadingTests {
    @Test("the event recorder loads by name from the build directory, and the SDK beside it is not a failure")
    func loadsEventRecorderByName() throws {
        try BuildProducts.require(BuildProducts.eventRecorder)
        let catalog = PluginCatalog(
            searchPath: PluginSearchPath([BuildProducts.directory]), loader: PluginLoader(policy: .strict))
        let selection = catalog.load(named: ["event-recorder"])
        #expect(selection.failures.isEmpty, "\(selection.failures)")
        let plugin = try #require(selection.plugins.first)
        #expect(plugin.plugin.name == "event-recorder")
        #expect(plugin.abiVersion == DagronPluginABI.runtimeVersion)

        let listing = catalog.loadAll()
        #expect(!listing.records.contains { $0.path.hasSuffix("libDagronSDK.so") })
        #expect(listing.records.contains { $0.name == "event-recorder" && $0.status == .loaded })
    }

    @Test("discover() with no setup finds the bundled plugins next to the dagron binary in the build tree")
    func discoverFindsBundledPlugins() throws {
        try BuildProducts.require(BuildProducts.dagron)
        let manager = PluginManager(warningHandler: { _ in })
        let report = manager.discover(
            searchPath: .standard(environment: [:], executablePath: BuildProducts.dagron),
            loader: PluginLoader(policy: .strict))
        #expect(report.loaded.contains("event-recorder"))
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(!manager.isInitialized("event-recorder"))
    }
}
