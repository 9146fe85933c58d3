import DagronSDK
import Foundation
import NodeStats
import Testing

/// The plugin in isolation: a HookRegistry, the plugin initialized on it,
/// events fired by hand, assertions on what the plugin did. No dagron host needed.
@Suite struct NodeStatsPluginTests {
    private func temporaryFile() -> String {
        NSTemporaryDirectory() + "/node-stats-\(UUID().uuidString).jsonl"
    }

    @Test func countsNodesAndWritesASummary() throws {
        let output = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: output) }
        let hooks = HookRegistry()
        let plugin = NodeStatsPlugin()
        try plugin.configure(PluginSettings(plugin: plugin.name, ["output": output, "label": "test"]))
        try plugin.initialize(hooks: hooks)

        hooks.fire(HookContext(event: .preExecute))
        hooks.fire(HookContext(event: .preNode, nodeName: "a"))
        hooks.fire(HookContext(event: .postNode, nodeName: "a", nodeResult: NodeResult(name: "a", status: .completed)))
        hooks.fire(HookContext(event: .preNode, nodeName: "b"))
        hooks.fire(HookContext(event: .onError, nodeName: "b"))
        hooks.fire(HookContext(event: .postExecute))
        plugin.teardown()

        #expect(plugin.counts == .init(started: 2, completed: 1, failed: 1))
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text == "{\"label\":\"test\",\"started\":2,\"completed\":1,\"failed\":1}\n")
    }

    @Test func requiresAnOutputFile() {
        let plugin = NodeStatsPlugin()
        #expect(throws: PluginSettingsError.missing(plugin: "node-stats", key: "output")) {
            try plugin.configure(PluginSettings(plugin: plugin.name))
        }
    }
}
