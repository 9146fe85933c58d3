import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

@Suite("Discovery along the search path")
struct DiscoveryTests {
    let strict = PluginLoader(policy: .strict)

    @Test("the search path is --plugin-path, DAGRON_PLUGIN_PATH, the user directory, then the installation")
    func searchPathOrder() throws {
        let prefix = try TemporaryDirectory()
        _ = try prefix.subdirectory("bin")
        let installed = try prefix.subdirectory("lib/dagron/plugins")
        let path = PluginSearchPath.standard(
            pluginPaths: ["/flag/a", "/flag/b"],
            environment: ["DAGRON_PLUGIN_PATH": "/env/a:/env/b", "XDG_DATA_HOME": "/xdg", "HOME": "/home/u"],
            executablePath: prefix.path + "/bin/dagron")
        #expect(
            path.directories.map(\.path) == [
                "/flag/a", "/flag/b", "/env/a", "/env/b", "/xdg/dagron/plugins", installed,
            ])
        #expect(
            path.directories.map(\.origin) == [
                .commandLine, .commandLine, .environment, .environment, .user, .installation,
            ])

        let home = PluginSearchPath.standard(environment: ["HOME": "/home/u"], executablePath: "/build/debug/dagron")
        #expect(home.directories.map(\.path) == ["/home/u/.local/share/dagron/plugins", "/build/debug"])
    }

    @Test("the first plugin of a name wins; later ones are shadowed, with the winner's path")
    func shadowing() throws {
        let directory = try TemporaryDirectory()
        let first = try directory.subdirectory("first")
        try directory.copy(BuildProducts.eventRecorder, to: "first/libMyRecorder.so")
        let catalog = PluginCatalog(searchPath: PluginSearchPath([first, BuildProducts.directory]), loader: strict)
        let listing = catalog.loadAll()
        let recorders = listing.records.filter { $0.name == "event-recorder" }
        #expect(recorders.map(\.status) == [.loaded, .shadowed])
        #expect(recorders[0].path == first + "/libMyRecorder.so")
        #expect(recorders[1].shadowedBy == first + "/libMyRecorder.so")
        // Other bundled plugins sit in the build folder too; only the recorder is under test.
        #expect(
            listing.plugins.filter { $0.plugin.name == "event-recorder" }.map(\.path) == [first + "/libMyRecorder.so"])

        let selection = catalog.load(named: ["event-recorder"])
        #expect(selection.plugins.map(\.path) == [first + "/libMyRecorder.so"])
    }

    @Test("a manifest syntax error is reported with file and line; the rest of the search path still loads")
    func manifestErrorsDoNotStopDiscovery() throws {
        let built = try Fixtures.require()
        let directory = try TemporaryDirectory()
        let broken = try directory.subdirectory("broken")
        try directory.copy(built.swiftLibrary, to: "broken/libFixtures.so")
        try directory.write(
            """
            # fixtures
            counter = "libFixtures.so:fixture_counter"
            counter.greeting = hello
            this is not an entry
            """, to: "broken/dagron.plugins")
        let warnings = WarningLog()
        let manager = PluginManager(warningHandler: warnings.append)
        let report = manager.discover(from: [
            SharedObjectPluginSource(
                searchPath: PluginSearchPath([broken, BuildProducts.directory]), loader: strict)
        ])
        // The build folder holds the other bundled plugins as well: the rest still loads.
        #expect(report.loaded.filter { ["counter", "event-recorder"].contains($0) } == ["counter", "event-recorder"])
        #expect(report.loaded.contains("timing"))
        let manifestFailure = try #require(report.failures.first { $0.error is PluginManifestError })
        #expect(
            String(describing: manifestFailure.error) == broken
                + "/dagron.plugins:4: expected 'name = \"libfile.so:factory_symbol\"' or 'name.key = \"value\"'")
        #expect(warnings.all.contains { $0.contains("dagron.plugins:4:") })
    }

    @Test("discover() registers what loads and reports each failure without throwing")
    func discoverReportsFailures() throws {
        let built = try Fixtures.require()
        let directory = try TemporaryDirectory()
        try directory.copy(BuildProducts.eventRecorder, to: "libDagronEventRecorder.so")
        try directory.write("not a plugin", to: "libtext.so")
        try directory.copy(built.cLibrary("abi99"), to: "libfuture.so")
        try directory.copy(built.cLibrary("nosymbols"), to: "libhelper.so")  // not a plugin: silently skipped
        let manager = PluginManager(warningHandler: { _ in })
        let report = manager.discover(from: [
            SharedObjectPluginSource(searchPath: PluginSearchPath([directory.path]), loader: strict)
        ])
        #expect(report.loaded == ["event-recorder"])
        let origins = report.failures.compactMap(\.origin).sorted()
        #expect(origins == [directory.path + "/libfuture.so", directory.path + "/libtext.so"])
        #expect(manager.plugin(named: "event-recorder") != nil)
    }

    @Test("loadPlugins(named:) loads by name with manifest settings overlaid by the caller's, and hooks fire in a run")
    func loadByNameWithSettingsAndRun() throws {
        let directory = try TemporaryDirectory()
        let plugins = try directory.subdirectory("plugins")
        try directory.copy(BuildProducts.eventRecorder, to: "plugins/libDagronEventRecorder.so")
        let manifestFile = directory.path + "/from-manifest.jsonl"
        let givenFile = directory.path + "/given.jsonl"
        try directory.write(
            """
            event-recorder = "libDagronEventRecorder.so:dagron_plugin_create"
            event-recorder.file = "\(manifestFile)"
            """, to: "plugins/dagron.plugins")

        let manager = PluginManager(warningHandler: { _ in })
        #expect(
            manager.loadPlugins(named: ["event-recorder"], searchPath: PluginSearchPath([plugins]), loader: strict)
                .isEmpty)
        #expect(manager.initializeAll().isEmpty)
        manager.teardownAll()
        #expect(FileManager.default.fileExists(atPath: manifestFile))

        let other = PluginManager(warningHandler: { _ in })
        let failures = other.loadPlugins(
            named: ["event-recorder"],
            settings: ["event-recorder": PluginSettings(plugin: "event-recorder", ["file": givenFile])],
            searchPath: PluginSearchPath([plugins]), loader: strict)
        #expect(failures.isEmpty)
        #expect(other.initializeAll().isEmpty)
        let dag = try DAGBuilder(hooks: other.hooks).addNode("a").addNode("b").addEdge("a", "b").build()
        let result = DAGExecutor(dag, hooks: other.hooks).executeBlocking([
            "a": .sync { nil }, "b": .sync { nil },
        ])
        other.teardownAll()
        #expect(result.succeeded == 2)
        let events = try String(contentsOfFile: givenFile, encoding: .utf8).split(separator: "\n")
        #expect(events.contains { $0.contains("\"event\":\"pre_node\"") && $0.contains("\"node\":\"a\"") })
        #expect(events.contains { $0.contains("\"event\":\"post_execute\"") })
    }

    @Test("an unknown name fails with the directories searched")
    func unknownName() throws {
        let directory = try TemporaryDirectory()
        let manager = PluginManager(warningHandler: { _ in })
        let failures = manager.loadPlugins(
            named: ["nope"], searchPath: PluginSearchPath([directory.path]), loader: strict)
        let failure = try #require(failures.first)
        #expect(failure.error is PluginNotFoundError)
        #expect(failure.description.contains("no plugin named 'nope'"))
        #expect(failure.description.contains(directory.path))
    }

    @Test("a manifest name that differs from the plugin's name is an error naming both")
    func nameMismatch() throws {
        let directory = try TemporaryDirectory()
        try directory.copy(BuildProducts.eventRecorder, to: "librec.so")
        try directory.write("recorder = \"librec.so\"\n", to: "dagron.plugins")
        let failures = PluginManager(warningHandler: { _ in }).loadPlugins(
            named: ["recorder"], searchPath: PluginSearchPath([directory.path]), loader: strict)
        let failure = try #require(failures.first)
        #expect(
            String(describing: failure.error).contains(
                "the manifest calls it 'recorder' but the plugin's name is 'event-recorder'"))
    }
}
