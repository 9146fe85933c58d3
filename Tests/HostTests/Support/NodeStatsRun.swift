import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

/// The template plugin (`node-stats`) as a host runs it: found by name on a
/// search path, configured, three nodes executed, its summary file checked.
enum NodeStatsRun {
    /// Finds `node-stats` by name in `pluginDirectory`, runs a three-node DAG
    /// with it and checks the summary it writes.
    static func loadAndRun(pluginDirectory plugins: String, work: TemporaryDirectory) throws {
        // Found by name through DAGRON_PLUGIN_PATH-style search, with settings, and run.
        let summaries = work.path + "/summaries.jsonl"
        let manager = PluginManager(warningHandler: { _ in })
        let failures = manager.loadPlugins(
            named: ["node-stats"],
            settings: ["node-stats": PluginSettings(plugin: "node-stats", ["output": summaries, "label": "e2e"])],
            searchPath: .standard(environment: ["DAGRON_PLUGIN_PATH": plugins], executablePath: nil),
            loader: PluginLoader(policy: .strict))
        #expect(failures.isEmpty, "\(failures)")
        #expect(manager.initializeAll().isEmpty)
        #expect(manager.hooks.events(registeredBy: "node-stats").keys.contains(.postExecute))

        struct Boom: Error {}
        let dag = try DAGBuilder(hooks: manager.hooks)
            .addNode("extract").addNode("transform").addNode("load")
            .addEdge("extract", "transform").addEdge("transform", "load").build()
        let result = DAGExecutor(dag, hooks: manager.hooks).executeBlocking([
            "extract": .sync { nil }, "transform": .sync { nil }, "load": .sync { throw Boom() },
        ])
        manager.teardownAll()
        #expect(result.succeeded == 2)
        let text = try String(contentsOfFile: summaries, encoding: .utf8)
        #expect(text == "{\"label\":\"e2e\",\"started\":3,\"completed\":2,\"failed\":1}\n")
    }
}
