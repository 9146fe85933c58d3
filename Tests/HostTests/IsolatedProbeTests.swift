import Dagron
import Foundation
import Testing

/// The child-process probe `dagron plugins` uses, driven directly.
@Suite("Probing plugins in a child process")
struct IsolatedProbeTests {
    private func probe(timeout: Int = 20) throws -> IsolatedPluginProbe {
        try BuildProducts.require(BuildProducts.dagron)
        return IsolatedPluginProbe(
            executable: BuildProducts.dagron, arguments: ["plugins", "probe-child"], timeoutSeconds: timeout)
    }

    @Test("a crash, an exit and a hang are each reported for their file, and the files after them are still probed")
    func survivesEveryWayOfDying() throws {
        let built = try Fixtures.require()
        let candidates = [
            PluginCandidate(path: built.swiftLibrary, factorySymbol: "fixture_crash"),
            PluginCandidate(path: BuildProducts.eventRecorder),
            PluginCandidate(path: built.cLibrary("exits")),
            PluginCandidate(path: built.cLibrary("hang")),
            PluginCandidate(path: built.swiftLibrary, factorySymbol: "fixture_counter"),
        ]
        let records = try probe(timeout: 5).probe(candidates, policy: .strict)
        #expect(records.count == 5)
        #expect(records[0].status == .failed)
        #expect(records[0].error?.hasPrefix("crashed while loading (signal") == true)
        #expect(records[0].error?.contains("Fatal error: fixture factory crashes on purpose") == true)
        #expect(records[1].name == "event-recorder" && records[1].status == .loaded)
        #expect(records[2].error?.hasPrefix("ended the process while loading (exit status 3)") == true)
        #expect(records[3].error == "did not finish loading within 5 s (its process was killed)")
        #expect(records[4].name == "counter" && records[4].status == .loaded)
    }

    @Test("a missing probe executable is reported for every candidate, not thrown")
    func missingExecutable() throws {
        let probe = IsolatedPluginProbe(executable: "/nonexistent/dagron", arguments: [])
        let records = probe.probe([PluginCandidate(path: "/a.so"), PluginCandidate(path: "/b.so")], policy: .strict)
        #expect(records.map(\.status) == [.failed, .failed])
        #expect(records.allSatisfy { $0.error?.contains("could not start the probe process") == true })
    }
}
