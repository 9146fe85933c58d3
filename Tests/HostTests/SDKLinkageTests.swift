import Foundation
import Testing

/// The SDK must exist once per process (docs/plugin-abi.md): the host and every
/// plugin link the shared `libDagronSDK.so` and embed none of its code.
@Suite("DagronSDK is linked dynamically, once")
struct SDKLinkageTests {
    private func needed(_ file: String) throws -> [String] {
        let output = try Command.run(try Command.tool("readelf"), ["-d", file])
        #expect(output.status == 0, "\(output.all)")
        return output.stdout.split(separator: "\n").compactMap { line in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]")
            else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }

    private func definedDynamicSymbols(_ file: String) throws -> Set<String> {
        let output = try Command.run(try Command.tool("nm"), ["-D", "--defined-only", file])
        #expect(output.status == 0, "\(output.all)")
        // Linker-made section markers every shared object defines are not SDK code.
        let markers: Set<String> = ["__bss_start", "_edata", "_end", "_init", "_fini"]
        return Set(output.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) })
            .subtracting(markers)
    }

    @Test("the dagron binary lists NEEDED libDagronSDK.so")
    func hostNeedsSDK() throws {
        try BuildProducts.require(BuildProducts.dagron)
        #expect(try needed(BuildProducts.dagron).contains("libDagronSDK.so"))
    }

    @Test("the event-recorder plugin lists NEEDED libDagronSDK.so and defines none of its dynamic symbols")
    func pluginNeedsButDoesNotEmbedSDK() throws {
        try BuildProducts.require(BuildProducts.eventRecorder)
        #expect(try needed(BuildProducts.eventRecorder).contains("libDagronSDK.so"))
        let sdk = try definedDynamicSymbols(BuildProducts.sdkLibrary)
        let plugin = try definedDynamicSymbols(BuildProducts.eventRecorder)
        #expect(sdk.count > 100, "libDagronSDK.so should export its API")
        #expect(plugin.contains("dagron_plugin_create"))
        #expect(
            sdk.intersection(plugin).isEmpty, "embedded SDK symbols: \(sdk.intersection(plugin).sorted().prefix(10))")
    }
}
