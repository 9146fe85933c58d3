import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `dagron run` loads only the plugins it asked for, and only from places
/// nobody else could have written: stray files, relative search paths,
/// writable ancestors and foreign manifests cannot make it run code.
@Suite("Plugin loading: stray files, relative paths, whole-path permissions, manifests")
struct PluginLoadingSafetyTests {
    /// A one-node pipeline whose node leaves a marker file, so a test can tell that it ran.
    private func pipeline(in scratch: Scratch) throws {
        try scratch.write(
            "p.yml",
            """
            name: safety
            nodes:
              work:
                run: touch ran.marker
            """)
    }

    /// A directory (mode 0755) under the scratch folder.
    private func directory(_ name: String, in scratch: Scratch, mode: mode_t = 0o755) throws -> String {
        let path = scratch.path + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, mode)
        return path
    }

    /// The pipeline, and a plugin folder holding a stray library `name`
    /// whose constructor records its process id in the returned log, then
    /// runs `body` (C).
    private func strayPlugin(named name: String, doing body: String, in scratch: Scratch) throws -> (
        plugins: String, log: String
    ) {
        try pipeline(in: scratch)
        let plugins = try directory("plugins", in: scratch)
        let log = scratch.path + "/loaded-by.pids"
        try PluginFixtures.buildC(
            PluginFixtures.recordingConstructorSource(log: log, then: body), named: name, in: plugins)
        return (plugins, log)
    }

    /// The pipeline, and a plugin folder whose `dagron.plugins` manifest
    /// names `name` (so it is loaded in-process, without a probe): a C
    /// library `lib<name>.so` whose constructor runs `constructor`.
    private func manifestPlugin(named name: String, constructor: String, in scratch: Scratch) throws -> String {
        try pipeline(in: scratch)
        let plugins = try directory("plugins", in: scratch)
        try PluginFixtures.buildC(PluginFixtures.constructorSource(constructor), named: "lib\(name).so", in: plugins)
        try scratch.write("plugins/dagron.plugins", "\(name) = \"lib\(name).so\"\n")
        return plugins
    }

    /// The process ids a stray fixture recorded before doing its worst.
    private func loaders(of log: String) -> Set<Int32> {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return Set(text.split(whereSeparator: \.isNewline).compactMap { Int32($0) })
    }

    static let strayBehaviours: [(String, String)] = [
        ("exit(0)", "exit(0);"),
        ("abort()", "abort();"),
        ("SIGKILL", "kill(getpid(), SIGKILL);"),
        ("hang", "for (;;) pause();"),
    ]

    @Test(
        "a stray .so that exits, aborts, kills itself or hangs when loaded changes nothing about a run",
        arguments: strayBehaviours)
    func strayFileChangesNothing(behaviour: (String, String)) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        // Sorted first on the path and first in its folder: met before `timing`.
        let (plugins, log) = try strayPlugin(named: "libaaa-stray.so", doing: behaviour.1, in: scratch)

        let run = try DagronProcess(
            ["run", "p.yml", "--run-dir", "run", "--plugin", "timing", "--json", "--plugin-path", plugins],
            in: scratch.path, environment: ["DAGRON_PLUGIN_CACHE": scratch.path + "/cache.json"])
        let dagronPID = run.process.processIdentifier
        let finished = try run.wait(timeout: 120)

        #expect(finished.status == 0, "stderr: \(finished.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/ran.marker"), "the node did not run")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(finished.stdout.utf8)) as? [String: Any],
            "stdout is not the JSON document: \(finished.stdout)")
        #expect(json["outcome"] as? String == "succeeded")
        #expect(!loaders(of: log).contains(dagronPID), "the stray file's constructor ran inside `dagron run`")
        #expect(
            !finished.stderr.contains("libaaa-stray"), "an unrelated file is not the run's concern: \(finished.stderr)")
    }

    @Test("a FIFO named as a plugin is refused at once, named in a manifest or dropped in a plugin folder")
    func fifoPluginIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try pipeline(in: scratch)
        let named = try directory("named", in: scratch)
        try #require(mkfifo(named + "/libFifo.so", 0o644) == 0)
        try scratch.write("named/dagron.plugins", "fifo = \"libFifo.so\"\n")
        let dropped = try directory("dropped", in: scratch)
        try #require(mkfifo(dropped + "/libfifo.so", 0o644) == 0)
        let environment = ["DAGRON_PLUGIN_CACHE": "0"]
        // A blocking open waited for a writer forever (named) or until the
        // probe's 20 s deadline (dropped in): well past these timeouts.
        for command in ["run", "validate"] {
            var arguments = [command, "p.yml", "--plugin", "fifo", "--plugin-path", named]
            if command == "run" { arguments += ["--run-dir", "run"] }
            let finished = try dagron(arguments, in: scratch.path, environment: environment, timeout: 15)
            #expect(finished.status == 2, "\(command): \(finished.stderr)")
            #expect(
                finished.stderr.contains(named + "/libFifo.so") && finished.stderr.contains("not a regular file"),
                "\(command): \(finished.stderr)")
        }
        let check = try dagron(
            ["plugins", "check", dropped + "/libfifo.so"], in: scratch.path, environment: environment, timeout: 15)
        #expect(
            check.status == 1 && (check.stdout + check.stderr).contains("not a regular file"),
            "\(check.stdout)\(check.stderr)")
        let run = try dagron(
            ["run", "p.yml", "--run-dir", "run2", "--plugin", "timing", "--plugin-path", dropped],
            in: scratch.path, environment: environment, timeout: 15)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/ran.marker"), "the node did not run")
    }

    /// A constructor that forks a helper (which keeps the probe's pipes
    /// open) and then crashes: reported as the crash it is, as soon as the
    /// probe process is gone, and the helper does not outlive the probe.
    /// The probe used to wait for the pipes' end: 20 s, then "did not finish
    /// loading", with the helper left running.
    @Test("a stray file that forks a helper and crashes is reported at once as crashed, and its helper is killed")
    func forkingCrashingStrayIsReportedAtOnce() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let helperLog = scratch.path + "/helper.pid"
        let (plugins, _) = try strayPlugin(
            named: "libfork-crash.so",
            doing: """
                pid_t helper = fork();
                if (helper == 0) { sleep(120); _exit(0); }
                FILE *h = fopen("\(helperLog)", "w"); if (h) { fprintf(h, "%d\\n", (int)helper); fclose(h); }
                raise(SIGSEGV);
                """, in: scratch)
        let list = try dagron(
            ["plugins", "list", "--plugin-path", plugins], in: scratch.path,
            environment: ["DAGRON_PLUGIN_CACHE": "0"], timeout: 15)
        let all = list.stdout + list.stderr
        #expect(all.contains("libfork-crash.so") && all.contains("SIGSEGV"), "\(all)")
        #expect(!all.contains("did not finish loading"), "\(all)")
        let helper = try #require(
            Int32((scratch.read("helper.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(waitUntil(timeout: 10) { !isRunning(helper) }, "the helper \(helper) outlived the probe")
    }

    /// `dagron` killed while a stray file's constructor hangs in the probe
    /// process: the probe process goes with it instead of running on.
    @Test("a probe process whose dagron is killed ends too")
    func probeEndsWithItsParent() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let (plugins, log) = try strayPlugin(named: "libhang.so", doing: "for (;;) pause();", in: scratch)
        let list = try DagronProcess(
            ["plugins", "list", "--plugin-path", plugins], in: scratch.path,
            environment: ["DAGRON_PLUGIN_CACHE": "0"])
        #expect(waitUntil(timeout: 15) { !loaders(of: log).isEmpty }, "the stray file was never probed")
        let probe = try #require(loaders(of: log).first)
        kill(list.process.processIdentifier, SIGKILL)
        #expect(waitUntil(timeout: 10) { !isRunning(probe) }, "the probe process \(probe) outlived dagron")
        // Before waiting for dagron: Foundation's wait would sit until the orphan ended.
        if isRunning(probe) { kill(probe, SIGKILL) }
        _ = try? list.wait(timeout: 10)
    }

    /// A plugin named in a manifest (so loaded in-process, without a
    /// probe) whose constructor hangs: the run ends after the plugin's
    /// stall timeout, exit 2, naming the file, and nothing ran. It used to
    /// wait forever.
    @Test("a manifest plugin whose library hangs while loading ends the set-up after its stall timeout")
    func hangingManifestPluginEndsTheSetUp() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let plugins = try manifestPlugin(named: "stuck", constructor: "for (;;) pause();", in: scratch)
        let finished = try dagron(
            [
                "run", "p.yml", "--run-dir", "run", "--plugin", "stuck", "--plugin-path", plugins, "--set",
                "stuck.stall_timeout=1s",
            ],
            in: scratch.path,
            environment: ["DAGRON_PLUGIN_CACHE": "0", "DAGRON_QUARANTINE": scratch.path + "/quarantine.json"],
            timeout: 30)
        #expect(finished.status == 2, "\(finished.stderr)")
        #expect(
            finished.stderr.contains(
                "the plugin file \(plugins)/libstuck.so (plugin 'stuck') did not finish loading within 1.0s"),
            "\(finished.stderr)")
        #expect(scratch.read("ran.marker") == nil, "a node ran")
        #expect(scratch.read("quarantine.json")?.contains("libstuck.so") == true, "not quarantined")
    }

    /// A library whose constructor changes the working directory and
    /// ignores `SIGCHLD` while `dagron run` loads it (in-process, named in a
    /// manifest): both are put back, with warnings, so the nodes run and can
    /// be waited for, whether or not the plugin itself loads.
    @Test("a plugin library that changes the directory and SIGCHLD while loading is undone")
    func loadingChangesAreUndone() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let plugins = try manifestPlugin(
            named: "meddler", constructor: "chdir(\"/\"); signal(SIGCHLD, SIG_IGN);", in: scratch)
        let finished = try dagron(
            [
                "run", "p.yml", "--run-dir", "run", "--plugin", "meddler", "--plugin-path", plugins,
                "--keep-going-without-plugins",
            ],
            in: scratch.path, environment: ["DAGRON_PLUGIN_CACHE": "0"])
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(scratch.read("ran.marker") != nil, "the node did not run where dagron was started")
        #expect(
            finished.stderr.contains(
                "a plugin changed the working directory to '/'; dagron changed it back to '\(URL(fileURLWithPath: scratch.path).resolvingSymlinksInPath().path)' (while plugins were loaded)"
            ), "\(finished.stderr)")
        #expect(
            finished.stderr.contains(
                "a plugin changed how the process handles SIGCHLD; dagron put it back (while plugins were loaded)"),
            "\(finished.stderr)")
    }

    /// Isolated, the same hanging library is stopped after the isolated
    /// host's load timeout and reported as that, not as "crashed (signal 9)"
    /// by the kill dagron sent it.
    @Test("an isolated plugin that hangs while loading is reported as not loading in time, not as crashed")
    func hangingIsolatedPluginIsATimeout() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let plugins = try manifestPlugin(named: "stuck", constructor: "for (;;) pause();", in: scratch)
        let finished = try dagron(
            ["run", "p.yml", "--run-dir", "run", "--plugin", "stuck", "--plugin-path", plugins, "--isolate", "stuck"],
            in: scratch.path, environment: ["DAGRON_PLUGIN_CACHE": "0"], timeout: 60)
        #expect(finished.status == 2, "\(finished.stderr)")
        #expect(finished.stderr.contains("did not finish loading within 20 s"), "\(finished.stderr)")
        #expect(!finished.stderr.contains("crashed"), "\(finished.stderr)")
        #expect(scratch.read("ran.marker") == nil, "a node ran")
    }

    /// The same plugin crashing in its constructor: the crash names the file
    /// and the plugin (it used to say "outside plugin code"), and the next
    /// run loads it isolated, where the crash stops only the set-up.
    @Test("a manifest plugin that crashes while loading is named and quarantined; the next run isolates it")
    func crashingManifestPluginIsQuarantined() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let plugins = try manifestPlugin(named: "crashy", constructor: "raise(SIGSEGV);", in: scratch)
        let environment = ["DAGRON_PLUGIN_CACHE": "0", "DAGRON_QUARANTINE": scratch.path + "/quarantine.json"]
        let arguments = ["run", "p.yml", "--plugin", "crashy", "--plugin-path", plugins]
        let first = try dagron(arguments + ["--run-dir", "run1"], in: scratch.path, environment: environment)
        #expect(first.signal == SIGSEGV, "\(first.stderr)")
        #expect(
            first.stderr.contains("while loading the plugin file \(plugins)/libcrashy.so (plugin 'crashy')"),
            "\(first.stderr)")
        let second = try dagron(arguments + ["--run-dir", "run2"], in: scratch.path, environment: environment)
        #expect(second.signal == nil, "the quarantined plugin crashed dagron again: \(second.stderr)")
        #expect(second.status == 2, "\(second.stderr)")
        #expect(second.stderr.contains("it runs isolated"), "\(second.stderr)")
        #expect(scratch.read("ran.marker") == nil, "a node ran")
    }

    @Test("the second run with a hanging stray file answers from the registry cache, without probing again")
    func hangingStrayIsProbedOnce() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let (plugins, log) = try strayPlugin(named: "libhang.so", doing: "for (;;) pause();", in: scratch)
        let environment = ["DAGRON_PLUGIN_CACHE": scratch.path + "/cache.json"]
        let arguments = ["run", "p.yml", "--plugin", "timing", "--plugin-path", plugins]
        let first = try dagron(arguments + ["--run-dir", "run1"], in: scratch.path, environment: environment)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let probes = loaders(of: log).count
        #expect(probes == 1, "the stray file should have been probed once, in a child")
        let second = try dagron(arguments + ["--run-dir", "run2"], in: scratch.path, environment: environment)
        #expect(second.status == 0, "stderr: \(second.stderr)")
        #expect(loaders(of: log).count == probes, "an unchanged file was probed again")
    }

    @Test("a relative --plugin-path or DAGRON_PLUGIN_PATH entry is rejected, for run and plugins list")
    func relativeSearchPathIsRejected() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try pipeline(in: scratch)
        _ = try directory("plugins", in: scratch)

        let flag = try dagron(["run", "p.yml", "--plugin", "timing", "--plugin-path", "plugins"], in: scratch.path)
        #expect(flag.status == 2)
        #expect(flag.stderr.contains("--plugin-path 'plugins' is a relative path"), "stderr: \(flag.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/ran.marker"))

        let environment = try dagron(
            ["run", "p.yml", "--plugin", "timing"], in: scratch.path,
            environment: ["DAGRON_PLUGIN_PATH": "/usr/lib:./plugins"])
        #expect(environment.status == 2)
        #expect(
            environment.stderr.contains("DAGRON_PLUGIN_PATH entry './plugins' is a relative path"),
            "stderr: \(environment.stderr)")

        let list = try dagron(["plugins", "list", "--plugin-path", "plugins"], in: scratch.path)
        #expect(list.status != 0)
        #expect(list.stderr.contains("is a relative path"), "stderr: \(list.stderr)")

        let absolute = try dagron(
            ["run", "p.yml", "--plugin", "timing", "--plugin-path", scratch.path + "/plugins"], in: scratch.path)
        #expect(absolute.status == 0, "stderr: \(absolute.stderr)")
    }

    @Test("a plugin below a group- or world-writable directory is refused, however far up; a sticky one is fine")
    func writableAncestorIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try pipeline(in: scratch)
        let shared = try directory("shared", in: scratch, mode: 0o777)
        let plugins = try directory("shared/team/plugins", in: scratch)
        try FileManager.default.copyItem(
            atPath: DagronBinary.directory + "/libDagronTiming.so", toPath: plugins + "/libMyTiming.so")
        chmod(plugins + "/libMyTiming.so", 0o755)

        // The copy on the writable path would shadow the bundled timing: refused, so the bundled one runs.
        let refused = try dagron(
            ["run", "p.yml", "--plugin", "timing", "--plugin-path", plugins, "--run-dir", "run1"], in: scratch.path,
            environment: ["DAGRON_PLUGIN_CACHE": "0"])
        #expect(refused.status == 0, "stderr: \(refused.stderr)")
        let list = try dagron(
            ["plugins", "list", "--json", "--plugin-path", plugins], in: scratch.path,
            environment: ["DAGRON_PLUGIN_CACHE": "0"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let mine = try #require(rows.first { $0["path"] as? String == plugins + "/libMyTiming.so" })
        #expect(mine["status"] as? String == "refused")
        #expect(
            (mine["error"] as? String ?? "").contains("directory \(shared) is writable by group or others"), "\(mine)")

        // The same tree with the sticky bit on the shared directory (as /tmp has): accepted, and it wins.
        chmod(shared, 0o1777)
        let sticky = try dagron(
            ["plugins", "list", "--json", "--plugin-path", plugins], in: scratch.path,
            environment: ["DAGRON_PLUGIN_CACHE": "0"])
        let stickyRows = try #require(
            try JSONSerialization.jsonObject(with: Data(sticky.stdout.utf8)) as? [[String: Any]])
        #expect(
            stickyRows.first { $0["path"] as? String == plugins + "/libMyTiming.so" }?["status"] as? String == "loaded")

        // An ancestor owned by another user is refused the same way.
        chmod(shared, 0o755)
        try #require(chown(shared, 65534, 65534) == 0, "making a directory another user's needs root, as CI runs")
        let foreign = try dagron(
            ["plugins", "list", "--json", "--plugin-path", plugins], in: scratch.path,
            environment: ["DAGRON_PLUGIN_CACHE": "0"])
        let foreignRows = try #require(
            try JSONSerialization.jsonObject(with: Data(foreign.stdout.utf8)) as? [[String: Any]])
        let row = try #require(foreignRows.first { $0["path"] as? String == plugins + "/libMyTiming.so" })
        #expect(row["status"] as? String == "refused")
        #expect((row["error"] as? String ?? "").contains("directory \(shared) is owned by uid 65534"), "\(row)")
        chown(shared, geteuid(), getegid())
    }

    static let foreignManifests: [(String, mode_t, uid_t?)] = [
        ("world-writable (0666)", 0o666, nil),
        ("group-writable (0664)", 0o664, nil),
        ("owned by another user", 0o644, 65534),
    ]

    @Test(
        "a dagron.plugins manifest someone else could have written is ignored whole: it cannot inject settings",
        arguments: foreignManifests)
    func foreignManifestIsIgnored(manifest: (String, mode_t, uid_t?)) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try pipeline(in: scratch)
        let plugins = try directory("plugins", in: scratch)
        try FileManager.default.copyItem(
            atPath: DagronBinary.directory + "/libDagronEventRecorder.so",
            toPath: plugins + "/libDagronEventRecorder.so")
        chmod(plugins + "/libDagronEventRecorder.so", 0o755)
        let injected = scratch.path + "/injected.jsonl"
        let manifestPath = try scratch.write(
            "plugins/dagron.plugins",
            """
            event-recorder = "libDagronEventRecorder.so"
            event-recorder.file = "\(injected)"
            """)
        chmod(manifestPath, manifest.1)
        if let owner = manifest.2 {
            try #require(chown(manifestPath, owner, owner) == 0, "making a file another user's needs root, as CI runs")
        }

        let mine = scratch.path + "/mine.jsonl"
        let run = try dagron(
            [
                "run", "p.yml", "--run-dir", "run", "--plugin", "event-recorder", "--plugin-path", plugins,
                "--set", "event-recorder.file=\(mine)",
            ],
            in: scratch.path, environment: ["DAGRON_PLUGIN_CACHE": "0"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("\(manifestPath): refused:"), "stderr: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: injected), "the foreign manifest's setting was honoured")
        #expect(FileManager.default.fileExists(atPath: mine), "the user's own setting was not used")

        // Without the user's setting the plugin has no file: its manifest default was not taken.
        let bare = try dagron(
            ["run", "p.yml", "--run-dir", "run2", "--plugin", "event-recorder", "--plugin-path", plugins],
            in: scratch.path, environment: ["DAGRON_PLUGIN_CACHE": "0"])
        #expect(bare.status == 2, "stderr: \(bare.stderr)")
        #expect(!FileManager.default.fileExists(atPath: injected))
    }
}
