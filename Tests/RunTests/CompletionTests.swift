import Foundation
import TestSupport
import Testing

/// Dynamic shell completion, called the way the generated bash, zsh and
/// fish scripts call it (`dagron ---completion SUBCOMMANDS -- ARGUMENT
/// WORD-INDEX CURSOR WORDS...`): plugin names, `--set` keys and gate names,
/// from files only, never by loading plugin code.
@Suite struct CompletionTests {
    /// A plugin directory whose manifest declares `marker`, a library whose
    /// constructor would write `loaded` into the scratch folder if anything
    /// ever loaded it.
    struct Setup {
        let scratch: Scratch
        var plugins: String { scratch.path + "/plugins" }
        var environment: [String: String] { ["XDG_CACHE_HOME": scratch.path + "/cache", "HOME": scratch.path] }

        init() throws {
            scratch = try Scratch()
            try FileManager.default.createDirectory(
                atPath: scratch.path + "/plugins", withIntermediateDirectories: true)
            let source = try scratch.write(
                "marker.c",
                """
                #include <stdio.h>
                __attribute__((constructor)) static void loaded(void) {
                    FILE *file = fopen("\(scratch.path)/loaded", "w");
                    if (file) fclose(file);
                }
                void *dagron_plugin_create(void) { return 0; }
                """)
            let compiler = Process()
            compiler.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
            compiler.arguments = ["-shared", "-fPIC", "-o", scratch.path + "/plugins/libMarker.so", source]
            try compiler.run()
            compiler.waitUntilExit()
            #expect(compiler.terminationStatus == 0)
            try scratch.write(
                "plugins/dagron.plugins",
                """
                marker = "libMarker.so:dagron_plugin_create"
                marker.colour = "red"
                """)
        }

        /// The completions of the last word of `words` (`dagron` first) for `argument` of `subcommands`.
        func complete(_ subcommands: [String], _ argument: String, _ words: [String]) throws -> [String] {
            let finished = try dagron(
                ["---completion"] + subcommands + ["--", argument, "\(words.count - 1)", "\(words.last?.count ?? 0)"]
                    + words,
                in: scratch.path, environment: environment, timeout: 30)
            #expect(finished.status == 0, "\(finished.stderr)")
            return finished.stdout.split(separator: "\n").map(String.init)
        }
    }

    @Test func pluginNamesComeFromManifestsAndTheCacheWithoutLoadingAnyPlugin() throws {
        let setup = try Setup()
        defer { setup.scratch.cleanUp() }
        let line = ["dagron", "run", "p.yml", "--plugin-path", setup.plugins, "--plugin", ""]
        let before = try setup.complete(["run"], "--plugin", line)
        #expect(before.contains("marker"), "\(before)")
        // The bundled plugins are dropped-in files: unknown until a listing caches their names.
        #expect(!before.contains("timing"), "\(before)")
        #expect(setup.scratch.read("loaded") == nil, "completion loaded plugin code")

        let list = try dagron(["plugins", "list"], in: setup.scratch.path, environment: setup.environment)
        #expect(list.status == 0, "\(list.stderr)")
        // the listing's probe child may load it
        try? FileManager.default.removeItem(atPath: setup.scratch.path + "/loaded")
        let after = try setup.complete(["run"], "--plugin", line)
        #expect(after.contains("timing") && after.contains("marker"), "\(after)")
        let prefixed = try setup.complete(
            ["run"], "--isolate", ["dagron", "run", "p.yml", "--plugin-path", setup.plugins, "--isolate", "ti"])
        #expect(prefixed == ["timing"], "\(prefixed)")
        let info = try setup.complete(
            ["plugins", "info"], "positional@0", ["dagron", "plugins", "info", "--plugin-path", setup.plugins, "mark"])
        #expect(info == ["marker"], "\(info)")
        #expect(setup.scratch.read("loaded") == nil, "completion loaded plugin code")
    }

    @Test func setKeysComeFromManifestDefaultsThePipelineFileAndDagronsOwnKeys() throws {
        let setup = try Setup()
        defer { setup.scratch.cleanUp() }
        try setup.scratch.write("p.yml", "plugins:\n  timing: {top: 3}\nnodes:\n  a: {run: \"true\"}\n")
        let names = try setup.complete(
            ["run"], "--set", ["dagron", "run", "p.yml", "--plugin-path", setup.plugins, "--set", ""])
        #expect(names.contains("marker.") && names.contains("timing."), "\(names)")
        let marker = try setup.complete(
            ["run"], "--set", ["dagron", "run", "p.yml", "--plugin-path", setup.plugins, "--set", "marker."])
        #expect(
            marker == ["marker.callback_budget=", "marker.colour=", "marker.isolation=", "marker.stall_timeout="],
            "\(marker)")
        let timing = try setup.complete(["validate"], "--set", ["dagron", "validate", "p.yml", "--set", "timing.t"])
        #expect(timing == ["timing.top="], "\(timing)")
        #expect(try setup.complete(["run"], "--set", ["dagron", "run", "p.yml", "--set", "nosuch."]).isEmpty)
        #expect(setup.scratch.read("loaded") == nil, "completion loaded plugin code")
    }

    @Test func gateNamesAreTheUndecidedGatesOfTheRunOnTheLineOrTheLatest() throws {
        let setup = try Setup()
        defer { setup.scratch.cleanUp() }
        // No run anywhere: nothing to offer, and no error.
        #expect(
            try setup.complete(["gate", "approve"], "positional@1", ["dagron", "gate", "approve", "run", ""]).isEmpty)
        try FileManager.default.createDirectory(
            atPath: setup.scratch.path + "/run/gates", withIntermediateDirectories: true)
        try setup.scratch.write(
            "run/run.json",
            """
            {"pipeline": "p.yml", "name": "p", "processID": 1, "startedAt": 0, "nodes": ["ship", "tag", "build"],
             "gates": {"ship": "Ship it?", "tag": ""}}
            """)
        try setup.scratch.write("run/gates/tag.status", #"{"status": "approved"}"#)
        let open = try setup.complete(["gate", "approve"], "positional@1", ["dagron", "gate", "approve", "run", ""])
        #expect(open == ["ship"], "\(open)")
        try FileManager.default.createDirectory(
            atPath: setup.scratch.path + "/.dagron/runs", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: setup.scratch.path + "/.dagron/runs/latest", withDestinationPath: setup.scratch.path + "/run")
        let latest = try setup.complete(
            ["gate", "reject"], "positional@1", ["dagron", "gate", "reject", "--reason", "no", "s"])
        #expect(latest == ["ship"], "\(latest)")
    }

    @Test func bashCompletesPluginNamesAndSetKeysThroughTheGeneratedScript() throws {
        let setup = try Setup()
        defer { setup.scratch.cleanUp() }
        let script = try dagron(["--generate-completion-script", "bash"], in: setup.scratch.path)
        try setup.scratch.write("dagron.bash", script.stdout)
        // What bash does on Tab: COMP_WORDS and friends set, then the completion function called.
        func complete(_ line: String) throws -> String {
            let words = line.split(separator: " ", omittingEmptySubsequences: false).map { "'\($0)'" }.joined(
                separator: " ")
            let bash = Process()
            bash.executableURL = URL(fileURLWithPath: "/bin/bash")
            bash.arguments = [
                "-c",
                """
                source dagron.bash
                COMP_WORDS=(\(words)); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="\(line)"; COMP_POINT=${#COMP_LINE}
                _dagron dagron "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf '%s\\n' "${COMPREPLY[@]}"
                """,
            ]
            bash.currentDirectoryURL = URL(fileURLWithPath: setup.scratch.path)
            bash.environment = DagronBinary.environment(
                adding: setup.environment.merging(
                    [
                        "PATH": DagronBinary.directory + ":"
                            + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
                    ]) { $1 })
            let output = Pipe()
            bash.standardOutput = output
            try bash.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            bash.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        #expect(try complete("dagron run p.yml --plugin-path \(setup.plugins) --plugin mar") == "marker\n")
        #expect(try complete("dagron run p.yml --plugin-path \(setup.plugins) --set marker.co") == "marker.colour=\n")
        #expect(setup.scratch.read("loaded") == nil, "completion loaded plugin code")
    }

    @Test func theGeneratedScriptsCallDagronBackForDynamicValues() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        for shell in ["bash", "zsh", "fish"] {
            let script = try dagron(["--generate-completion-script", shell], in: scratch.path)
            #expect(script.status == 0, "\(shell): \(script.stderr)")
            #expect(script.stdout.contains("---completion run -- --plugin"), "\(shell)")
            #expect(script.stdout.contains("---completion run -- --set"), "\(shell)")
            #expect(script.stdout.contains("---completion gate approve -- positional@1"), "\(shell)")
        }
    }
}
