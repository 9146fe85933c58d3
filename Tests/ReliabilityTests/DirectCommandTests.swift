import Dagron
@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A command without shell syntax is `exec`ed directly, any other through
/// `/bin/sh -c`; both must end the same way: the same output, exit status,
/// environment and working directory, and a missing or non-executable
/// program gives 127 or 126 with a message naming it. `exec COMMAND` goes
/// through the shell (a builtin first word) and then runs the same program,
/// so each pair below compares the two paths.
@Suite struct DirectCommandTests {
    // MARK: Which commands skip the shell

    @Test(arguments: [
        "echo hi", "true > out", "cat < in", "a | b", "a; b", "a && b", "a & b", "(a)", "a $HOME", "a \"q\"", "a 'q'",
        "a `b`", "ls *.txt", "ls ?", "ls [ab]", "ls ~", "a\\ b", "a # comment", "X=1 env", "a\nb", "{ a; }", "! a",
        "cd /tmp", "exit 3", "export A=1", "exec true", "kill 1", "pwd", "test -f x", "printf x", ": x", ". ./env.sh",
        "if", "ls é", "a\u{0}b", "", "   ", "\t",
    ])
    func commandsWithShellSyntaxGoThroughTheShell(command: String) {
        #expect(CommandWords.split(command) == nil, "\(command.debugDescription) needs /bin/sh")
    }

    @Test func plainWordsAreSplitOnSpacesAndTabs() {
        #expect(CommandWords.split("true") == ["true"])
        #expect(
            CommandWords.split("  python3\ttrain.py  --epochs=3 a,b:c+d@e%f ./x/y.z  ") == [
                "python3", "train.py", "--epochs=3", "a,b:c+d@e%f", "./x/y.z",
            ])
    }

    // MARK: The same results either way

    /// A scratch with helper programs: `exit3.sh` (exits 3 after a line on each
    /// stream), `noshebang.sh` (executable, no `#!`), `data.txt` (not executable),
    /// a `dir/` and `tools/mytool` (for a node's own `PATH`).
    private func fixtures() throws -> Scratch {
        let scratch = try Scratch()
        try scratch.write("exit3.sh", "#!/bin/sh\necho out \"$@\"\necho err >&2\nexit 3\n")
        try scratch.write("noshebang.sh", "echo no shebang \"$1\"\n")
        try scratch.write("data.txt", "not a program\n")
        try FileManager.default.createDirectory(atPath: scratch.path + "/dir", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.path + "/tools", withIntermediateDirectories: true)
        try scratch.write("tools/mytool", "#!/bin/sh\necho mytool \"$@\" in \"$(pwd)\"\n")
        for file in ["exit3.sh", "noshebang.sh", "tools/mytool"] { chmod(scratch.path + "/" + file, 0o755) }
        return scratch
    }

    /// Runs `p.yml`'s nodes, each as written (`<name>_direct`) and behind
    /// `exec` (`<name>_shell`), and returns the report's nodes by name.
    private func runPairs(_ scratch: Scratch, _ commands: [(String, String, String)]) throws -> [String: RunReport.Node]
    {
        var yaml = "fail_fast: false\nenv: {SHARED: from-pipeline}\nnodes:\n"
        for (name, command, extra) in commands {
            yaml += "  \(name)_direct: {run: \"\(command)\"\(extra)}\n"
            yaml += "  \(name)_shell: {run: \"exec \(command)\"\(extra)}\n"
        }
        try scratch.write("p.yml", yaml)
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path, timeout: 60)
        #expect(finished.status == 1, "some nodes fail on purpose: \(finished.stderr)")
        let report = try RunDirectory.readJSON(RunReport.self, from: scratch.path + "/run/result.json")
        return Dictionary(uniqueKeysWithValues: report.nodes.map { ($0.name, $0) })
    }

    @Test func missingAndNonExecutableProgramsEndAsTheShellEndsThem() throws {
        let scratch = try fixtures()
        defer { scratch.cleanUp() }
        let nodes = try runPairs(
            scratch,
            [
                ("missing", "no-such-program-dagron --flag", ""),
                ("missingpath", "./no-such-file", ""),
                ("data", "./data.txt", ""),
                ("directory", "./dir", ""),
            ])
        for (name, status, program) in [
            ("missing", 127, "no-such-program-dagron"), ("missingpath", 127, "./no-such-file"),
            ("data", 126, "./data.txt"), ("directory", 126, "./dir"),
        ] {
            for path in ["direct", "shell"] {
                let node = try #require(nodes["\(name)_\(path)"])
                #expect(node.status == .failed, "\(node.name)")
                #expect(node.exitCode == Int32(status), "\(node.name): \(String(describing: node.exitCode))")
                let log = scratch.read("run/logs/\(node.name).stderr.log") ?? ""
                #expect(log.contains(program), "\(node.name)'s message names the program: \(log)")
                #expect(
                    node.stderrTail?.contains(program) == true, "\(node.name): \(String(describing: node.stderrTail))")
            }
        }
        // The direct path said it in dagron's words, the shell in its own.
        #expect(
            scratch.read("run/logs/missing_direct.stderr.log") == "dagron: no-such-program-dagron: command not found\n")
        #expect(scratch.read("run/logs/data_direct.stderr.log") == "dagron: ./data.txt: Permission denied\n")
    }

    @Test func outputExitStatusEnvironmentAndDirectoryAreTheSame() throws {
        let scratch = try fixtures()
        defer { scratch.cleanUp() }
        let tools = scratch.path + "/tools"
        let nodes = try runPairs(
            scratch,
            [
                ("exit", "./exit3.sh a  b", ""),
                ("noshebang", "./noshebang.sh arg", ""),
                ("env", "env", ", cwd: dir, env: {OWN: from-node}"),
                ("cwd", "/bin/pwd", ", cwd: dir"),
                ("ownpath", "mytool x", ", cwd: dir, env: {PATH: '\(tools):/usr/bin:/bin'}"),
                ("relativepath", "mytool y", ", env: {PATH: 'tools:/usr/bin:/bin'}"),
                ("false", "false", ""),
            ])
        func logs(_ name: String) -> (String, String) {
            (
                scratch.read("run/logs/\(name).stdout.log") ?? "<none>",
                scratch.read("run/logs/\(name).stderr.log") ?? "<none>"
            )
        }
        for name in ["exit", "noshebang", "env", "cwd", "ownpath", "relativepath", "false"] {
            let direct = try #require(nodes[name + "_direct"])
            let shell = try #require(nodes[name + "_shell"])
            #expect(direct.status == shell.status, "\(name)")
            #expect(direct.exitCode == shell.exitCode, "\(name)")
            var (directOut, directErr) = logs(direct.name)
            var (shellOut, shellErr) = logs(shell.name)
            if name == "env" {
                // Only the node's name differs; the shell adds PWD (and dash OLDPWD) to the environment it passes on.
                let drop = { (text: String) in
                    text.split(separator: "\n").filter {
                        !$0.hasPrefix("PWD=") && !$0.hasPrefix("OLDPWD=") && !$0.hasPrefix("_=")
                            && !$0.hasPrefix("SHLVL=")
                    }
                    .map { $0.replacingOccurrences(of: "_direct", with: "_shell") }.sorted()
                }
                #expect(drop(directOut) == drop(shellOut))
                #expect(directOut.contains("DAGRON_NODE=env_direct\n") && directOut.contains("DAGRON_ATTEMPT=1\n"))
                #expect(directOut.contains("OWN=from-node\n") && directOut.contains("SHARED=from-pipeline\n"))
                // As the shell does, the direct path gives the program the PWD it runs in.
                #expect(directOut.contains("PWD=\(scratch.path)/dir\n"), "\(directOut)")
                #expect(shellOut.contains("PWD=\(scratch.path)/dir\n"), "\(shellOut)")
                (directOut, shellOut) = ("", "")
            }
            #expect(directOut == shellOut, "\(name)")
            #expect(directErr == shellErr, "\(name)")
        }
        #expect(nodes["exit_direct"]?.exitCode == 3)
        #expect(logs("exit_direct").0 == "out a b\n" && logs("exit_direct").1 == "err\n")
        #expect(logs("noshebang_direct").0 == "no shebang arg\n")
        #expect(logs("cwd_direct").0 == scratch.path + "/dir\n")
        #expect(logs("ownpath_direct").0 == "mytool x in \(scratch.path)/dir\n")
        #expect(logs("relativepath_direct").0 == "mytool y in \(scratch.path)\n")
    }

    @Test func aVeryLongArgumentListRunsDirectly() throws {
        let scratch = try fixtures()
        defer { scratch.cleanUp() }
        // 20,000 words: one string of 80 KB for the shell, 20,000 arguments for exec.
        let words = (0..<20_000).map { "w\($0 % 10)" }.joined(separator: " ")
        try scratch.write(
            "p.yml", "nodes:\n  long: {run: \"./noshebang.sh \(words)\"}\n  longdirect: {run: \"/bin/echo \(words)\"}\n"
        )
        let finished = try dagron(["run", "p.yml", "--run-dir", "run"], in: scratch.path, timeout: 60)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(scratch.read("run/logs/long.stdout.log") == "no shebang w0\n")
        #expect(scratch.read("run/logs/longdirect.stdout.log") == words + "\n")
    }

    // MARK: Hostile commands given through the library

    private func command(_ text: String, environment: [String: String] = ["PATH": "/usr/bin:/bin"]) throws -> (
        ShellCommand, Scratch
    ) {
        let scratch = try Scratch()
        let logs = NodeLogFiles(directory: scratch.path, node: "hostile")
        return (ShellCommand(node: "hostile", command: text, environment: environment, logs: logs), scratch)
    }

    @Test func aNulByteIsRefusedWithAMessageNamingTheNode() async throws {
        for (text, environment) in [
            ("true\u{0}rm -rf /", ["PATH": "/usr/bin:/bin"]), ("true", ["A": "x\u{0}y"]), ("true", ["A\u{0}": "x"]),
        ] {
            let (shellCommand, scratch) = try command(text, environment: environment)
            defer { scratch.cleanUp() }
            let failure = await #expect(throws: ProcessFailure.self) { try await shellCommand.run() }
            guard case .launch(let why)? = failure?.reason else {
                Issue.record("not a launch failure: \(String(describing: failure))")
                continue
            }
            #expect(why.contains("node 'hostile'") && why.contains("NUL"), "\(why)")
        }
    }

    /// A log path that cannot be opened as written (a NUL byte would cut it
    /// short, so another file would be opened) or is a directory ends the
    /// attempt with a launch error; no file is made at the shortened path.
    @Test func aLogPathWithANulByteOrNamingADirectoryIsALaunchError() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try FileManager.default.createDirectory(
            atPath: scratch.path + "/dir.stdout.log", withIntermediateDirectories: true)
        for logs in [
            NodeLogFiles(directory: scratch.path, node: "cut\u{0}short"),
            NodeLogFiles(directory: scratch.path, node: "dir"),
        ] {
            let shellCommand = ShellCommand(
                node: "n", command: "echo written", environment: ["PATH": "/usr/bin:/bin"], logs: logs)
            let failure = await #expect(throws: ProcessFailure.self) { try await shellCommand.run() }
            guard case .launch(let why)? = failure?.reason else {
                Issue.record("not a launch failure: \(String(describing: failure))")
                continue
            }
            #expect(why.contains("cannot open log files"), "\(why)")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/cut"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["dir.stdout.log"])
    }

    @Test(arguments: ["", "   ", "\t \t"])
    func aBlankCommandIsTheShellsAndSucceeds(text: String) async throws {
        let (shellCommand, scratch) = try command(text)
        defer { scratch.cleanUp() }
        let outcome = try await shellCommand.run()
        #expect(outcome.exitCode == 0)
    }

    @Test func aMissingWorkingDirectoryIsALaunchErrorNamingIt() async throws {
        var (shellCommand, scratch) = try command("true")
        defer { scratch.cleanUp() }
        shellCommand.workingDirectory = scratch.path + "/gone"
        let failure = await #expect(throws: ProcessFailure.self) { try await shellCommand.run() }
        guard case .launch(let why)? = failure?.reason else {
            Issue.record("not a launch failure: \(String(describing: failure))")
            return
        }
        #expect(why.contains("cannot change to directory \(scratch.path)/gone"), "\(why)")
    }

    /// A program found on `PATH` is remembered, as `sh` hashes it, and
    /// spawned without a check; when that spawn fails it is searched for
    /// again: once it is gone, no longer executable or a directory, the next
    /// directory's program of that name runs, and with none left the
    /// command ends 127 with `sh`'s message.
    @Test func aRememberedProgramIsSearchedForAgainWhenItCannotStart() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        for directory in ["first", "second", "third", "fourth"] {
            try FileManager.default.createDirectory(
                atPath: scratch.path + "/" + directory, withIntermediateDirectories: true)
            try scratch.write("\(directory)/mytool", "#!/bin/sh\necho \(directory)\n")
            chmod(scratch.path + "/\(directory)/mytool", 0o755)
        }
        let path = ["first", "second", "third", "fourth"].map { "\(scratch.path)/\($0)" }.joined(separator: ":")
        let environment = ["PATH": path + ":/usr/bin:/bin"]
        let logs = NodeLogFiles(directory: scratch.path, node: "tool")
        let command = ShellCommand(node: "tool", command: "mytool", environment: environment, logs: logs)
        let output = { (try? String(contentsOfFile: logs.standardOutputPath, encoding: .utf8)) ?? "" }
        let errors = { (try? String(contentsOfFile: logs.standardErrorPath, encoding: .utf8)) ?? "" }

        #expect(try await command.run().exitCode == 0)
        #expect(output() == "first\n")
        unlink(scratch.path + "/first/mytool")
        #expect(try await command.run().exitCode == 0)
        #expect(output() == "first\nsecond\n")
        chmod(scratch.path + "/second/mytool", 0o644)
        #expect(try await command.run().exitCode == 0)
        #expect(output() == "first\nsecond\nthird\n")
        unlink(scratch.path + "/third/mytool")
        try FileManager.default.createDirectory(
            atPath: scratch.path + "/third/mytool", withIntermediateDirectories: true)
        #expect(try await command.run().exitCode == 0)
        #expect(output() == "first\nsecond\nthird\nfourth\n")
        unlink(scratch.path + "/fourth/mytool")
        // Only a file that may not be executed (second) and a directory
        // (third) are left: `sh` says "Permission denied" (126).
        let denied = await #expect(throws: ProcessFailure.self) { try await command.run() }
        #expect(denied?.reason == .exited(126), "\(String(describing: denied))")
        #expect(errors().hasSuffix("dagron: \(scratch.path)/second/mytool: Permission denied\n"), "\(errors())")
        unlink(scratch.path + "/second/mytool")
        rmdir(scratch.path + "/third/mytool")
        let failure = await #expect(throws: ProcessFailure.self) { try await command.run() }
        #expect(failure?.reason == .exited(127), "\(String(describing: failure))")
        #expect(errors().hasSuffix("dagron: mytool: command not found\n"), "\(errors())")
    }

    /// A program named by path is spawned without a check; when it cannot
    /// start, the command ends as the checked plan would have ended it.
    @Test(arguments: [
        ("./missing", Int32(127), "dagron: ./missing: command not found\n"),
        ("./plain.txt", 126, "dagron: ./plain.txt: Permission denied\n"),
        ("./folder", 126, "dagron: ./folder: Permission denied\n"),
    ])
    func aPathThatCannotStartEndsAsShSays(text: String, status: Int32, message: String) async throws {
        let (shellCommand, scratch) = try command(text)
        defer { scratch.cleanUp() }
        try scratch.write("plain.txt", "not a program\n")
        try FileManager.default.createDirectory(atPath: scratch.path + "/folder", withIntermediateDirectories: true)
        var inScratch = shellCommand
        inScratch.workingDirectory = scratch.path
        let failure = await #expect(throws: ProcessFailure.self) { try await inScratch.run() }
        #expect(failure?.reason == .exited(status), "\(String(describing: failure))")
        let errors = (try? String(contentsOfFile: scratch.path + "/hostile.stderr.log", encoding: .utf8)) ?? ""
        #expect(errors == message)
    }

    /// The thread that starts a node's command no longer blocks SIGCHLD
    /// afterwards (and still blocks whatever else it blocked), so that the
    /// kernel drops each child's SIGCHLD at its default action instead of
    /// queuing it and waking another thread for it: the main thread, in
    /// libdispatch's `sigsuspend`, used to wake once per node (with two
    /// workers busy, the wide 500-node run took a fifth longer).
    @Test func theSpawningThreadStopsBlockingTheChildSignal() throws {
        struct Seen: Sendable {
            var spawned: Int32 = -1
            var childBlocked = true
            var otherStillBlocked = false
            var exitStatus: Int32 = -1
        }
        let seen = Mutex(Seen())
        let thread = Thread {
            var blocked = sigset_t()
            sigemptyset(&blocked)
            sigaddset(&blocked, SIGCHLD)
            sigaddset(&blocked, SIGUSR2)
            pthread_sigmask(SIG_BLOCK, &blocked, nil)
            let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
            defer { close(null) }
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("true"), nil]
            let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
            defer { for pointer in argv + envp { free(pointer) } }
            var pid: Int32 = 0
            let spawned = dagron_spawn_node("/bin/true", argv, envp, nil, null, null, &pid)
            var now = sigset_t()
            pthread_sigmask(SIG_BLOCK, nil, &now)
            var status: Int32 = 0
            if spawned == 0 { waitpid(pid, &status, 0) }
            let childBlocked = sigismember(&now, SIGCHLD) == 1
            let otherStillBlocked = sigismember(&now, SIGUSR2) == 1
            seen.withTrackedLock {
                $0 = Seen(
                    spawned: spawned, childBlocked: childBlocked, otherStillBlocked: otherStillBlocked,
                    exitStatus: status)
            }
        }
        thread.start()
        #expect(waitUntil(timeout: 30) { seen.withTrackedLock { $0.spawned } != -1 })
        let result = seen.withTrackedLock { $0 }
        #expect(result.spawned == 0)
        #expect(result.exitStatus == 0)
        #expect(!result.childBlocked, "the spawning thread still blocks SIGCHLD")
        #expect(result.otherStillBlocked, "the spawn changed more of the thread's mask than SIGCHLD")
    }

    @Test func aCancelledDirectCommandDiesWithItsGroup() async throws {
        let (shellCommand, scratch) = try command("sleep 300")
        defer { scratch.cleanUp() }
        let registry = ProcessGroupRegistry()
        var running = shellCommand
        running.registry = registry
        running.gracePeriod = .milliseconds(200)
        let task = Task { [running] in try await running.run() }
        #expect(waitUntil(timeout: 30) { !registry.running.isEmpty })
        let group = try #require(registry.running.first)
        task.cancel()
        await #expect(throws: NodeCancelledError.self) { try await task.value }
        #expect(!group.isAlive, "the sleep outlived its cancelled node")
    }
}

/// The promises of a child's start made with `clone3` (whose kernel clears
/// the signal handlers) and with `vfork` (a kernel without it), one test at
/// a time: which of the two `dagron_spawn_node` uses is process-wide.
extension DirectCommandTests {
    @Suite(.serialized) struct BothWaysOfStarting {
        /// What `dagron_spawn_node` promises the program (it forks with `clone3`
        /// or `vfork` and sets each of these itself): standard input `/dev/null`, no
        /// descriptor beyond 0-2, no signal blocked or ignored (dagron ignores
        /// SIGPIPE and the worker blocks every signal around the fork), leading a
        /// process group of its own; and the program itself, not a shell, runs.
        @Test(arguments: [true, false]) func aDirectProgramStartsWithACleanSlate(clone3: Bool) async throws {
            dagron_spawn_node_use_clone3(clone3 ? 1 : 0)
            defer { dagron_spawn_node_use_clone3(1) }
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            func output(of text: String) async throws -> String {
                let logs = NodeLogFiles(directory: scratch.path, node: "probe")
                try? FileManager.default.removeItem(atPath: logs.standardOutputPath)
                let command = ShellCommand(
                    node: "probe", command: text, environment: ["PATH": "/usr/bin:/bin"], logs: logs)
                #expect(try await command.run().exitCode == 0, "\(text)")
                return (try? String(contentsOfFile: logs.standardOutputPath, encoding: .utf8)) ?? ""
            }
            #expect(try await output(of: "readlink /proc/self/fd/0") == "/dev/null\n")
            #expect(try await output(of: "cat -") == "")
            // `ls` opens the listing itself as descriptor 3.
            #expect(try await output(of: "ls /proc/self/fd") == "0\n1\n2\n3\n")
            let status = try await output(of: "cat /proc/self/status")
            func mask(_ name: String) -> UInt64? {
                status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                    .flatMap { UInt64($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
            }
            #expect(mask("SigBlk") == 0, "\(status)")
            // Only the C library's own two real-time signals (32 and 33) may be
            // ignored, as posix_spawn leaves them; bit N is signal N + 1.
            #expect(mask("SigIgn").map { $0 & ~UInt64(0x1_8000_0000) } == 0, "\(status)")
            // /proc/self/stat: pid (comm) state ppid pgrp ...
            let stat = try await output(of: "cat /proc/self/stat")
            let own = stat.split(separator: " ").first.map(String.init)
            let group = stat.split(separator: ")").last?.split(separator: " ").dropFirst(2).first.map(String.init)
            #expect(own != nil && own == group, "\(stat)")
        }

        /// The child resets only the signals this process does not leave at
        /// their default action: a signal ignored after the first spawn is at
        /// its default action in a later program, and so is one given a
        /// handler. With `vfork` the actions are read afresh for every spawn;
        /// with `clone3` the kernel clears the handlers and the ignored
        /// signals read in the last 10 ms are trusted, so the second spawn
        /// waits that out.
        @Test(arguments: [true, false])
        func aSignalIgnoredOrCaughtBetweenSpawnsIsAtItsDefaultInTheNextProgram(clone3: Bool) async throws {
            dagron_spawn_node_use_clone3(clone3 ? 1 : 0)
            defer { dagron_spawn_node_use_clone3(1) }
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            func status() async throws -> String {
                let logs = NodeLogFiles(directory: scratch.path, node: "probe")
                try? FileManager.default.removeItem(atPath: logs.standardOutputPath)
                let command = ShellCommand(
                    node: "probe", command: "cat /proc/self/status", environment: ["PATH": "/usr/bin:/bin"], logs: logs)
                #expect(try await command.run().exitCode == 0)
                return (try? String(contentsOfFile: logs.standardOutputPath, encoding: .utf8)) ?? ""
            }
            func mask(_ name: String, in status: String) -> UInt64? {
                status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                    .flatMap { UInt64($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
            }
            _ = try await status()
            // Bit N is signal N + 1.
            let ignored: [Int32] = [SIGUSR1, SIGWINCH, SIGURG]
            let previous = ignored.map { signal($0, SIG_IGN) }
            let previousHandler = signal(SIGUSR2) { _ in }
            defer {
                for (number, action) in zip(ignored, previous) { signal(number, action) }
                signal(SIGUSR2, previousHandler)
            }
            var ours = sigaction()
            sigaction(SIGUSR1, nil, &ours)
            // SIG_IGN is 1.
            #expect(unsafeBitCast(ours.__sigaction_handler.sa_handler, to: Int.self) == 1, "SIGUSR1 is not ignored")
            if clone3 { try await Task.sleep(for: .milliseconds(30)) }
            let seen = try await status()
            let bits = ignored.reduce(UInt64(0)) { $0 | (1 << UInt64($1 - 1)) } | (1 << UInt64(SIGUSR2 - 1))
            #expect(mask("SigIgn", in: seen).map { $0 & bits } == 0, "\(seen)")
            #expect(mask("SigCgt", in: seen) == 0, "\(seen)")
        }

        /// A `clone3` child shares dagron's descriptor table until it takes
        /// one of its own: with a hundred descriptors open below its logs, the
        /// program still sees only 0-2 (and the listing `ls` opens), and
        /// dagron's own descriptors are all where they were, standard ones
        /// included.
        @Test(arguments: [true, false]) func dagronsDescriptorsStayAsTheyWere(clone3: Bool) async throws {
            dagron_spawn_node_use_clone3(clone3 ? 1 : 0)
            defer { dagron_spawn_node_use_clone3(1) }
            let scratch = try Scratch()
            defer { scratch.cleanUp() }
            let extra = (0..<100).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
            defer { for descriptor in extra { close(descriptor) } }
            #expect(extra.allSatisfy { $0 > 2 })
            func identity(_ descriptor: Int32) -> String? {
                var info = stat()
                guard fstat(descriptor, &info) == 0 else { return nil }
                return "\(info.st_dev):\(info.st_ino):\(info.st_mode)"
            }
            let watched = [0, 1, 2] + [extra[0], extra[50], extra[99]]
            let before = watched.map(identity)
            let logs = NodeLogFiles(directory: scratch.path, node: "probe")
            let command = ShellCommand(
                node: "probe", command: "ls /proc/self/fd", environment: ["PATH": "/usr/bin:/bin"], logs: logs)
            #expect(try await command.run().exitCode == 0)
            let listing = (try? String(contentsOfFile: logs.standardOutputPath, encoding: .utf8)) ?? ""
            #expect(listing == "0\n1\n2\n3\n")
            #expect(watched.map(identity) == before)
            #expect(before.allSatisfy { $0 != nil })
        }
    }
}
