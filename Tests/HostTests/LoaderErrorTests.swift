import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization
import Testing

/// Every way loading a file can fail, each with a real file made here.
@Suite("Loader errors name the file and say what to do")
struct LoaderErrorTests {
    let loader = PluginLoader(policy: .strict)

    private func loadError(_ path: String, factory: String = DagronPluginABI.factorySymbol) throws -> PluginLoadError {
        let loaded: LoadedPlugin
        do {
            loaded = try loader.load(file: path, factorySymbol: factory)
        } catch {
            return error
        }
        Issue.record("expected \(path) to fail, but it loaded plugin '\(loaded.plugin.name)'")
        throw CancellationError()
    }

    @Test("a text file is not an ELF file")
    func textFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("this is not a library\n", to: "libnotes.so")
        let error = try loadError(path)
        #expect(error == .notELF(path: path))
        #expect(error.description.hasPrefix(path + ": not an ELF file"))
    }

    @Test("an ELF for another architecture says which one and which this host is")
    func otherArchitecture() throws {
        let built = try Fixtures.require()
        let directory = try TemporaryDirectory()
        let path = try directory.copy(built.otherArchitecture, to: "libarm.so")
        let error = try loadError(path)
        #expect(error == .wrongArchitecture(path: path, found: "aarch64", host: "x86_64"))
        #expect(error.description.contains("built for aarch64, this host is x86_64"))
    }

    @Test("a relocatable object file is not a shared library")
    func objectFile() throws {
        let built = try Fixtures.require()
        let directory = try TemporaryDirectory()
        let path = try directory.copy(built.objectFile, to: "libobject.so")
        guard case .notSharedLibrary(let errorPath, let kind) = try loadError(path) else {
            Issue.record("expected notSharedLibrary")
            return
        }
        #expect(errorPath == path)
        #expect(kind.contains("relocatable object file"))
    }

    @Test("a C library without the plugin symbols is missing dagron_plugin_abi_version")
    func missingSymbols() throws {
        let built = try Fixtures.require()
        let directory = try TemporaryDirectory()
        let path = try directory.copy(built.cLibrary("nosymbols"), to: "libplain.so")
        let error = try loadError(path)
        #expect(error == .missingSymbol(path: path, symbol: "dagron_plugin_abi_version"))
        #expect(error.description.contains("@_cdecl"))
    }

    @Test("a factory symbol that is not exported is reported by name")
    func missingFactory() throws {
        let built = try Fixtures.require()
        let error = try loadError(built.swiftLibrary, factory: "no_such_factory")
        #expect(error == .missingSymbol(path: built.swiftLibrary, symbol: "no_such_factory"))
    }

    @Test("an ABI mismatch names both numbers and the SDK to rebuild against")
    func abiMismatch() throws {
        let built = try Fixtures.require()
        let directory = try TemporaryDirectory()
        let path = try directory.copy(built.cLibrary("abi99"), to: "libfuture.so")
        let error = try loadError(path)
        #expect(
            error
                == .abiMismatch(
                    path: path, plugin: 99, host: DagronPluginABI.runtimeVersion, hostSDK: DagronPluginABI.sdkVersion))
        #expect(error.description.contains("host is 1, plugin is 99"))
        #expect(error.description.contains("rebuild against DagronSDK \(DagronPluginABI.sdkVersion)"))
    }

    @Test("a plugin needing a DagronSDK symbol this SDK lacks was built against a newer SDK")
    func newerSDK() throws {
        let built = try Fixtures.require()
        let directory = try TemporaryDirectory()
        let path = try directory.copy(built.cLibrary("newersdk"), to: "libnewer.so")
        let error = try loadError(path)
        #expect(
            error
                == .undefinedSDKSymbol(
                    path: path, symbol: "$s9DagronSDK13FutureFeatureyyF", hostSDK: DagronPluginABI.sdkVersion))
        #expect(error.description.contains("built against a newer DagronSDK"))
    }

    @Test("a factory returning something else says the plugin probably embeds its own SDK")
    func wrongType() throws {
        let built = try Fixtures.require()
        let error = try loadError(built.swiftLibrary, factory: "fixture_wrong_type")
        guard case .notADagronPlugin(let path, let typeName) = error else {
            Issue.record("got \(error)")
            return
        }
        #expect(path == built.swiftLibrary)
        #expect(typeName.contains("NotAPlugin"))
        #expect(error.description.contains("embeds its own copy of DagronSDK"))
    }

    @Test("a world-writable plugin file is refused, and accepted when relaxed")
    func worldWritableFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.copy(BuildProducts.eventRecorder, to: "libopen.so", mode: 0o777)
        let error = try loadError(path)
        #expect(error == .refused(path: path, violation: .fileWritable(mode: 0o777)))
        #expect(error.isRefusal)
        #expect(error.description.contains(PluginSafetyPolicy.environmentVariable))
        let relaxed = try PluginLoader(policy: .relaxed).load(file: path)
        #expect(relaxed.plugin.name == "event-recorder")
    }

    @Test("a group-writable plugin directory is refused")
    func groupWritableDirectory() throws {
        let directory = try TemporaryDirectory()
        let shared = try directory.subdirectory("shared")
        let path = try directory.copy(BuildProducts.eventRecorder, to: "shared/librec.so")
        chmod(shared, 0o775)
        #expect(try loadError(path) == .refused(path: path, violation: .directoryWritable(path: shared, mode: 0o775)))
    }

    @Test("a symbolic link is refused (the file checked must be the file loaded)")
    func symbolicLink() throws {
        let directory = try TemporaryDirectory()
        let link = directory.path + "/liblink.so"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: BuildProducts.eventRecorder)
        #expect(try loadError(link) == .refused(path: link, violation: .notRegularFile))
        #expect(PluginSafetyPolicy.current(environment: [PluginSafetyPolicy.environmentVariable: "1"]) == .relaxed)
        #expect(try PluginLoader(policy: .relaxed).load(file: link).plugin.name == "event-recorder")
    }

    @Test("a file owned by another user is refused", .enabled(if: geteuid() == 0, "chown needs root"))
    func otherOwner() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.copy(BuildProducts.eventRecorder, to: "libtheirs.so")
        #expect(chown(path, 65534, 65534) == 0)
        #expect(try loadError(path) == .refused(path: path, violation: .fileOwner(uid: 65534)))
    }

    @Test("a missing file is unreadable, naming the file")
    func missingFile() throws {
        let path = NSTemporaryDirectory() + "/dagron-no-such-plugin-\(getpid()).so"
        guard case .unreadable(let errorPath, _) = try loadError(path) else {
            Issue.record("expected unreadable")
            return
        }
        #expect(errorPath == path)
    }

    @Test("an initializer that throws is reported with the plugin's file, and its hooks are removed")
    func throwingInitializer() throws {
        let built = try Fixtures.require()
        let directory = try TemporaryDirectory()
        try directory.copy(built.swiftLibrary, to: "libthrowing.so")
        let warnings = WarningLog()
        let manager = PluginManager(warningHandler: warnings.append)
        let failures = manager.loadPlugins(
            named: ["throwing"], searchPath: PluginSearchPath([directory.path]),
            loader: PluginLoader(policy: .strict))
        #expect(failures.isEmpty)
        let initFailures = manager.initializeAll()
        let failure = try #require(initFailures.first)
        #expect(failure.name == "throwing")
        #expect(failure.origin == directory.path + "/libthrowing.so")
        #expect(failure.description.contains("the fixture refuses to start"))
        #expect(manager.hooks.hookCount() == 0)

        // The probe (what `dagron plugins info` runs) reports it as an initialization failure.
        let record = PluginProbe(loader: PluginLoader(policy: .strict))
            .probe(PluginCandidate(path: directory.path + "/libthrowing.so"), initialize: true)
        #expect(record.status == .loaded)
        #expect(record.initializeError?.contains("failed to initialize: the fixture refuses to start") == true)
    }
}

/// Collects warnings from a `PluginManager`.
final class WarningLog: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withTrackedLock { $0 } }
    func append(_ line: String) { lines.withTrackedLock { $0.append(line) } }
}
