import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

/// The bundled networking plugins (prometheus-text, slack-webhook, dashboard)
/// share one copy of SwiftNIO, Hummingbird and AsyncHTTPClient:
/// `libDagronNetworking.so`, beside them. The loader loads a plugin as
/// `/proc/self/fd/N`, so it must load such a library itself, under the same
/// checks as a plugin; these tests build small C libraries to prove it can
/// fail, then inspect the built plugins.
@Suite("Libraries beside a plugin, and the one shared copy of NIO")
struct SharedNetworkingLibraryTests {
    /// A folder holding `lib<library>.so` (exporting `beside_answer`, SONAME
    /// as given) and `lib<plugin>.so`, a C plugin whose ABI function returns
    /// `beside_answer()` and which lists `NEEDED lib<library>.so`.
    private struct BesideFixture {
        let folder: TemporaryDirectory
        let library: String
        let plugin: String

        init(library name: String, plugin pluginName: String, soname: String?) throws {
            folder = try TemporaryDirectory("dagron-beside")
            let gcc = try Command.tool("gcc")
            library = folder.path + "/lib\(name).so"
            plugin = folder.path + "/lib\(pluginName).so"
            let librarySource = try folder.write("int beside_answer(void) { return 42; }\n", to: "\(name).c")
            var arguments = ["-shared", "-fPIC", "-o", library, librarySource]
            if let soname { arguments += ["-Wl,-soname=\(soname)"] }
            let builtLibrary = try Command.run(gcc, arguments)
            #expect(builtLibrary.status == 0, "\(builtLibrary.all)")
            let pluginSource = try folder.write(
                """
                #include <stdint.h>
                extern int beside_answer(void);
                uint32_t dagron_plugin_abi_version(void) { return (uint32_t)beside_answer(); }
                void *dagron_plugin_create(void) { return 0; }
                """, to: "\(pluginName).c")
            let builtPlugin = try Command.run(
                gcc, ["-shared", "-fPIC", "-o", plugin, pluginSource, "-L", folder.path, "-l\(name)"])
            #expect(builtPlugin.status == 0, "\(builtPlugin.all)")
        }
    }

    private let symbols = [DagronPluginABI.abiVersionSymbol]

    @Test("a library beside a plugin that others could write is refused, and the error names the library")
    func groupWritableLibraryIsRefused() throws {
        let fixture = try BesideFixture(
            library: "besidewritable", plugin: "needswritable", soname: "libbesidewritable.so")
        chmod(fixture.library, 0o775)
        #expect(throws: PluginLoadError.refused(path: fixture.library, violation: .fileWritable(mode: 0o775))) {
            _ = try PluginLoader(policy: .strict).open(file: fixture.plugin, requiring: symbols)
        }
    }

    @Test("a library beside a plugin whose SONAME is not its file name is not loaded for it")
    func libraryWithoutSONAMEIsLeftToTheDynamicLinker() throws {
        let fixture = try BesideFixture(library: "besidenosoname", plugin: "needsnosoname", soname: nil)
        do {
            _ = try PluginLoader(policy: .strict).open(file: fixture.plugin, requiring: symbols)
            Issue.record("the plugin loaded although nothing could satisfy its NEEDED libbesidenosoname.so")
        } catch {
            guard case .openFailed(let path, let message) = error else {
                Issue.record("expected openFailed, got \(error)")
                return
            }
            #expect(path == fixture.plugin)
            #expect(message.contains("libbesidenosoname.so"), "\(message)")
        }
    }

    @Test("a plugin loaded through /proc/self/fd binds to the library beside it, loaded once for two plugins")
    func libraryBesideIsLoadedOnce() throws {
        let fixture = try BesideFixture(library: "besideshared", plugin: "needsshared", soname: "libbesideshared.so")
        defer { withExtendedLifetime(fixture) {} }  // the folder is removed when the fixture goes
        let loader = PluginLoader(policy: .strict)
        let handle = try loader.open(file: fixture.plugin, requiring: symbols)
        let address = try #require(dlsym(handle, DagronPluginABI.abiVersionSymbol))
        typealias ABIFunction = @convention(c) () -> UInt32
        #expect(unsafeBitCast(address, to: ABIFunction.self)() == 42, "the plugin called into the library beside it")

        // A second plugin of the folder needing the same library binds to the copy already loaded.
        let second = fixture.folder.path + "/libneedsshared2.so"
        try FileManager.default.copyItem(atPath: fixture.plugin, toPath: second)
        _ = try loader.open(file: second, requiring: symbols)
        let maps = try Self.memoryMaps()
        let mappings = Set(
            maps.split(separator: "\n").filter { $0.contains("/libbesideshared.so") }.compactMap {
                // the inode
                $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).first.map(String.init)
            })
        #expect(mappings.count == 1, "one file mapped: \(maps.split(separator: "\n").filter { $0.contains("beside") })")
    }

    /// `/proc/self/maps`, read to its end (a proc file reports size 0, so
    /// reading "the whole file" by its size gets a part of it).
    private static func memoryMaps() throws -> String {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps"))
        defer { try? handle.close() }
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }

    // MARK: The bundled plugins

    private static let networkingPlugins = [
        "libDagronPrometheusText.so", "libDagronSlackWebhook.so", "libDagronDashboard.so",
    ]
    private static let networkingLibrary = "libDagronNetworking.so"

    private func readelf(_ file: String) throws -> String {
        let output = try Command.run(try Command.tool("readelf"), ["-d", file])
        #expect(output.status == 0, "\(output.all)")
        return output.stdout
    }

    /// How many dynamic symbols `file` defines whose (mangled) names start with one of `prefixes`.
    private func definedSymbols(_ file: String, prefixes: [String]) throws -> Int {
        let output = try Command.run(try Command.tool("nm"), ["-D", "--defined-only", file])
        #expect(output.status == 0, "\(output.all)")
        return output.stdout.split(separator: "\n").count { line in
            guard let name = line.split(separator: " ").last else { return false }
            return prefixes.contains { name.hasPrefix($0) }
        }
    }

    /// Mangled-name prefixes of NIOCore, NIOPosix, Hummingbird and AsyncHTTPClient.
    private let networkingModules = ["$s7NIOCore", "$s8NIOPosix", "$s11Hummingbird", "$s15AsyncHTTPClient"]

    @Test("prometheus-text, slack-webhook and dashboard need libDagronNetworking.so and embed no NIO of their own")
    func bundledPluginsShareOneNIO() throws {
        let library = BuildProducts.directory + "/" + Self.networkingLibrary
        try BuildProducts.require(library)
        let dynamic = try readelf(library)
        #expect(dynamic.contains("Library soname: [\(Self.networkingLibrary)]"), "\(dynamic)")
        #expect(try definedSymbols(library, prefixes: networkingModules) > 1000, "the shared library exports NIO")

        let files = try FileManager.default.contentsOfDirectory(atPath: BuildProducts.directory)
            .filter { $0.hasPrefix("lib") && $0.hasSuffix(".so") && $0 != Self.networkingLibrary }
        for plugin in Self.networkingPlugins {
            #expect(files.contains(plugin), "\(plugin) is built")
            #expect(
                try readelf(BuildProducts.directory + "/" + plugin).contains(
                    "Shared library: [\(Self.networkingLibrary)]"),
                "\(plugin) lists NEEDED \(Self.networkingLibrary)")
        }
        for file in files {
            #expect(
                try definedSymbols(BuildProducts.directory + "/" + file, prefixes: networkingModules) == 0,
                "\(file) embeds its own copy of NIO, Hummingbird or AsyncHTTPClient")
        }
    }

    @Test(
        "the host loads the three networking plugins together from the build tree, with one copy of their library mapped"
    )
    func hostLoadsNetworkingPlugins() throws {
        for plugin in Self.networkingPlugins {
            try BuildProducts.require(BuildProducts.directory + "/" + plugin)
        }
        let catalog = PluginCatalog(
            searchPath: PluginSearchPath([BuildProducts.directory]), loader: PluginLoader(policy: .strict))
        let selection = catalog.load(named: ["prometheus-text", "slack-webhook", "dashboard"])
        #expect(selection.failures.isEmpty, "\(selection.failures)")
        #expect(Set(selection.plugins.map(\.plugin.name)) == ["prometheus-text", "slack-webhook", "dashboard"])
        let maps = try Self.memoryMaps()
        let copies = Set(
            maps.split(separator: "\n").filter { $0.hasSuffix("/" + Self.networkingLibrary) }
                .compactMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).first })
        #expect(copies.count == 1, "libDagronNetworking.so is mapped from one file: \(copies)")
        #expect(
            !catalog.loadAll().records.contains { $0.path.hasSuffix("/" + Self.networkingLibrary) },
            "the shared library is not listed as a plugin")
    }
}
