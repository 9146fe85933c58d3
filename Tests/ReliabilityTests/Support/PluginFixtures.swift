@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization
import TestSupport
import Testing

/// Hostile plugin files, built by the tests with gcc (C constructors that
/// exit, hang or abort) or swiftc (Swift plugins against the built SDK).
/// Each call builds into a directory the test owns.
enum PluginFixtures {
    /// A C library whose ELF constructor runs `body` when the library is
    /// loaded, and which exports the plugin ABI symbols, so the scanner takes
    /// it for a plugin: the "stray file" of the reliability tests.
    static func constructorSource(_ body: String) -> String {
        """
        #include <stdint.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <unistd.h>
        #include <signal.h>
        __attribute__((constructor)) static void fixture_on_load(void) { \(body) }
        uint32_t dagron_plugin_abi_version(void) { return 1; }
        void *dagron_plugin_create(void) { return 0; }
        """
    }

    /// ``constructorSource(_:)`` whose constructor first appends the loading
    /// process's id to `log`, then runs `body`: a test can tell which
    /// processes ran the file.
    static func recordingConstructorSource(log: String, then body: String) -> String {
        constructorSource(
            """
            FILE *f = fopen("\(log)", "a"); if (f) { fprintf(f, "%d\\n", (int)getpid()); fclose(f); }
            \(body)
            """)
    }

    /// Compiles `source` (C) with `gcc -shared` to `directory/name` (mode 0755).
    @discardableResult
    static func buildC(_ source: String, named name: String, in directory: String) throws -> String {
        let sourceFile = directory + "/" + name + ".c"
        try source.write(toFile: sourceFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: sourceFile) }
        let output = directory + "/" + name
        try run(tool("gcc"), ["-shared", "-fPIC", "-o", output, sourceFile], what: "gcc \(name)")
        chmod(output, 0o755)
        return output
    }

    /// Compiles `source` (Swift, importing DagronSDK) to `directory/name` as a
    /// plugin library linked against the built `libDagronSDK.so`.
    @discardableResult
    static func buildSwift(_ source: String, named name: String, in directory: String) throws -> String {
        let build = try FileManager.default.url(
            for: .itemReplacementDirectory, in: .userDomainMask, appropriateFor: URL(fileURLWithPath: directory),
            create: true)
        defer { try? FileManager.default.removeItem(at: build) }
        let sourceFile = build.path + "/Fixture.swift"
        try source.write(toFile: sourceFile, atomically: true, encoding: .utf8)
        let output = directory + "/" + name
        try run(
            tool("swiftc"),
            [
                "-emit-library", "-module-name", "Fixture" + String(UInt32.random(in: 0...UInt32.max)),
                "-parse-as-library",
                "-I", sdkModuleDirectory, "-L", BuildFolder.path, "-lDagronSDK", "-Xlinker", "-rpath", "-Xlinker",
                BuildFolder.path,
                sourceFile, "-o", output,
            ], what: "swiftc \(name)", directory: build.path)
        chmod(output, 0o755)
        return output
    }

    /// The directory holding `DagronSDK.swiftmodule` for `swiftc -I`.
    static var sdkModuleDirectory: String {
        let directory = BuildFolder.path
        for candidate in [directory + "/Modules", directory]
        where FileManager.default.fileExists(atPath: candidate + "/DagronSDK.swiftmodule") {
            return candidate
        }
        return directory + "/Modules"
    }

    /// Builds `source` as `library` in a fresh folder `dagron-<label>-<pid>`
    /// under the temporary directory (removed when the test process exits)
    /// and returns the folder, or why the build failed: what a fixture keeps
    /// in a `static let` so it is built once per test process.
    static func buildOnce(_ source: String, named library: String, label: String) -> Result<String, BuildError> {
        let directory = (NSTemporaryDirectory() + "/dagron-\(label)-\(getpid())" as NSString).standardizingPath
        do {
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            builtFolders.withTrackedLock { $0.append(directory) }
            try buildSwift(source, named: library, in: directory)
            return .success(directory)
        } catch let error as BuildError {
            return .failure(error)
        } catch {
            return .failure(BuildError(description: "\(error)"))
        }
    }

    /// The folders ``buildOnce(_:named:label:)`` made, removed at exit.
    private static let builtFolders: Mutex<[String]> = {
        atexit {
            for folder in PluginFixtures.builtFolders.withTrackedLock({ $0 }) {
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
        return Mutex([])
    }()

    struct BuildError: Error, CustomStringConvertible {
        var description: String
    }

    /// The absolute path of `name` on `PATH`; a clear error if it is missing
    /// (scripts/test.sh installs the tools the tests need).
    static func tool(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard
            let found = path.split(separator: ":").map({ "\($0)/\(name)" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw BuildError(description: "\(name) is not on PATH (scripts/test.sh installs the tools the tests need)")
        }
        return found
    }

    private static func run(_ executable: String, _ arguments: [String], what: String, directory: String? = nil) throws
    {
        let log = NSTemporaryDirectory() + "dagron-fixture-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw BuildError(description: "\(what) failed (\(process.terminationStatus)):\n\(text)")
        }
    }
}
