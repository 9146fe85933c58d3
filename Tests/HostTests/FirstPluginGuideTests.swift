import Foundation
import Testing

/// The plugin guide's opening "first plugin in five commands", as written in
/// docs/plugin-authors.md: its Swift source compiled with `swiftc` and
/// `dagron sdk --swiftc-flags`, dropped into a plugin directory, run.
@Suite("The plugin guide's first plugin")
struct FirstPluginGuideTests {
    static let guide = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/plugin-authors.md").path

    @Test("the source in the guide builds and prints what the guide says")
    func firstPlugin() throws {
        try BuildProducts.require(BuildProducts.dagron)
        let text = try String(contentsOfFile: Self.guide, encoding: .utf8)
        let start = try #require(
            text.range(of: "cat > Hello.swift <<'SWIFT'\n"), "the guide no longer has its first plugin")
        let end = try #require(text.range(of: "\nSWIFT\n", range: start.upperBound..<text.endIndex))
        let work = try TemporaryDirectory("dagron-first-plugin")
        try String(text[start.upperBound..<end.lowerBound]).write(
            toFile: work.path + "/Hello.swift", atomically: true, encoding: .utf8)

        let flags = try Command.run(BuildProducts.dagron, ["sdk", "--swiftc-flags"])
        #expect(flags.status == 0, "\(flags.all)")
        let plugins = try work.subdirectory("plugins")
        let swiftc = try Command.run(
            try Command.tool("swiftc"),
            [
                "-emit-library", "-parse-as-library", "-module-name", "Hello",
                "-module-cache-path", work.path + "/module-cache",
            ] + flags.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
                + ["Hello.swift", "-o", plugins + "/libhello.so"], directory: work.path)
        #expect(swiftc.status == 0, "\(swiftc.all)")

        try "nodes:\n  a: {run: \"true\"}\n  b: {run: \"true\", after: a}\n"
            .write(toFile: work.path + "/p.yml", atomically: true, encoding: .utf8)
        let run = try Command.run(
            BuildProducts.dagron, ["run", "p.yml", "--plugin", "hello", "--plugin-path", plugins, "--plain"],
            environment: ["DAGRON_QUARANTINE": "0"], directory: work.path)
        #expect(run.status == 0, "\(run.all)")
        #expect(run.stdout.contains("plugins: hello;"), "\(run.stdout)")
        #expect(run.stdout.contains("hello: a finished\n"), "\(run.stdout)")
        #expect(run.stdout.contains("hello: b finished\n"), "\(run.stdout)")
        #expect(run.stdout.contains("p succeeded in"), "\(run.stdout)")
    }
}
