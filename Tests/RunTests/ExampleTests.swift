import Foundation
import TestSupport
import Testing

/// The pipelines in `examples/` (the README's quick start uses them) stay valid and do what they say.
@Suite struct ExampleTests {
    private static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples").path

    @Test(arguments: ["etl.yml", "deploy-with-gate.yml", "failing.yml"])
    func validates(example: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let finished = try dagron(["validate", Self.examples + "/" + example], in: scratch.path)
        #expect(finished.status == 0, "\(finished.stderr)")
    }

    @Test func theETLExampleSucceedsAfterARetry() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let finished = try dagron(["run", Self.examples + "/etl.yml", "--run-dir", "run"], in: scratch.path)
        #expect(finished.status == 0, "\(finished.stdout)\(finished.stderr)")
        #expect(scratch.read("run/data/warehouse.csv") == "UK,38\nUS,12\n")
        #expect(nodesByName(try scratch.report())["load"]?["attempts"] as? Int == 2)
    }

    @Test func theFailingExampleFailsAsDocumented() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let finished = try dagron(["run", Self.examples + "/failing.yml", "--run-dir", "run"], in: scratch.path)
        #expect(finished.status == 1)
        let nodes = nodesByName(try scratch.report())
        #expect(nodes["validate"]?["exitCode"] as? Int == 3)
        #expect(nodes["publish"]?["status"] as? String == "skipped")
        #expect(nodes["lint"]?["status"] as? String == "completed")
    }

    @Test func shellCompletionScriptsAreGenerated() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        for shell in ["bash", "zsh", "fish"] {
            let finished = try dagron(["--generate-completion-script", shell], in: scratch.path)
            #expect(finished.status == 0)
            #expect(finished.stdout.contains("validate"))
        }
    }
}
