import Dagron
import Testing

@Suite("dagron.plugins manifests")
struct ManifestTests {
    @Test("entries, default factory, settings, comments and quotes")
    func parsesEntries() {
        let manifest = PluginManifest(
            path: "/p/dagron.plugins",
            text: """
                # bundled plugins
                event-recorder = "libDagronEventRecorder.so:dagron_plugin_create"  # the recorder
                event-recorder.file = "/tmp/events \\"quoted\\".jsonl"
                timing = libTiming.so
                abs = "/opt/x/libAbs.so:make_abs"

                """)
        #expect(manifest.errors.isEmpty)
        #expect(manifest.entries.map(\.name) == ["event-recorder", "timing", "abs"])
        #expect(manifest.entries[0].path == "/p/libDagronEventRecorder.so")
        #expect(manifest.entries[0].settings == ["file": "/tmp/events \"quoted\".jsonl"])
        #expect(manifest.entries[0].line == 2)
        #expect(manifest.entries[1].factorySymbol == "dagron_plugin_create")
        #expect(manifest.entries[2].path == "/opt/x/libAbs.so")
        #expect(manifest.entries[2].factorySymbol == "make_abs")
    }

    @Test("each malformed line is reported with file and line, and the others still load")
    func reportsErrorsWithLines() {
        let manifest = PluginManifest(
            path: "/p/dagron.plugins",
            text: """
                good = "libGood.so"
                this line has no equals sign
                bad name = "libX.so"
                unterminated = "libY.so
                orphan.key = "value"
                good = "libAgain.so"
                empty =
                sym = "libZ.so:not a symbol"
                also-good = "libAlso.so:make"
                """)
        #expect(manifest.entries.map(\.name) == ["good", "also-good"])
        #expect(manifest.errors.map(\.line) == [2, 3, 4, 5, 6, 7, 8])
        #expect(manifest.errors[0].description.hasPrefix("/p/dagron.plugins:2: expected"))
        #expect(manifest.errors[3].message.contains("not declared above"))
        #expect(manifest.errors[4].message.contains("declared twice (first on line 1)"))
    }
}
