@_spi(DagronHost) import DagronSDK
import DagronSystemShims
public import Foundation
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A node's shell command: run in a process group of its own, standard
/// output and standard error appended to log files, standard input empty.
/// A command without shell syntax is `exec`ed directly, any other with
/// `/bin/sh -c` (see ``CommandLaunch``); either way it is started with
/// `clone3` (or `vfork`) and `execve` (`dagron_spawn_node`), and its end is awaited by
/// the worker that started it (in `waitid` with ``run(cancellation:)``,
/// through ``DirectExitWait`` with ``run()``) or ``ChildExitWatcher``.
///
/// ```swift
/// let command = ShellCommand(node: "load", command: "psql -f load.sql", logs: logs)
/// let task = NodeTask.async(timeout: .seconds(60), retries: 2) { try await command.run() }
/// ```
///
/// When the task running ``run()`` is cancelled (the executor does that on a
/// timeout and on interrupt), the group gets `SIGTERM`, then `SIGKILL` after
/// ``gracePeriod``. When the command ends by itself, successfully or not,
/// whatever it left in its group (`sleep 300 &`) gets the same `SIGTERM`,
/// then `SIGKILL` after ``gracePeriod``, before ``run()`` returns, so no
/// child outlives the node. Processes that leave the group (`setsid`) are
/// found at the end of the run (``LeftoverProcessSweep``).
public struct ShellCommand: Sendable {
    /// The node, for messages.
    public var node: String
    /// The command line.
    public var command: String
    /// The complete environment of the process.
    public var environment: [String: String] {
        get { variables.dictionary }
        set { variables = CommandEnvironment(shared: CommandEnvironment.Shared(newValue)) }
    }
    /// The environment, as it is kept: a pipeline run's nodes share most of it.
    var variables: CommandEnvironment
    /// The working directory; `nil` for the current one.
    public var workingDirectory: String?
    /// Where standard output and standard error are appended.
    public var logs: NodeLogFiles
    /// How long the group has between `SIGTERM` and `SIGKILL` on cancellation.
    public var gracePeriod: Duration
    /// How many lines of standard error a failure keeps.
    public var tailLines: Int
    /// Where the command's process group is recorded while it runs, if anywhere.
    public var registry: ProcessGroupRegistry?
    /// The two logs already open (made ahead by ``LogFilePreparer``): the
    /// first ``run()`` takes them instead of opening ``logs`` by path.
    var openedLogs: OpenedLogFiles?

    /// Creates a command.
    public init(
        node: String, command: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String? = nil, logs: NodeLogFiles, gracePeriod: Duration = .seconds(2), tailLines: Int = 20,
        registry: ProcessGroupRegistry? = nil
    ) {
        self.init(
            node: node, command: command, variables: CommandEnvironment(shared: CommandEnvironment.Shared(environment)),
            workingDirectory: workingDirectory, logs: logs, gracePeriod: gracePeriod, tailLines: tailLines,
            registry: registry)
    }

    /// Creates a command whose environment a pipeline run keeps (see ``CommandEnvironment``).
    init(
        node: String, command: String, variables: CommandEnvironment, workingDirectory: String?, logs: NodeLogFiles,
        gracePeriod: Duration, tailLines: Int, registry: ProcessGroupRegistry?
    ) {
        self.node = node
        self.command = command
        self.variables = variables
        self.workingDirectory = workingDirectory
        self.logs = logs
        self.gracePeriod = gracePeriod
        self.tailLines = tailLines
        self.registry = registry
    }

    /// Runs one attempt.
    /// - Returns: A ``ProcessOutcome`` when the command exits with status 0.
    /// - Throws: ``ProcessFailure`` when it does not, ``NodeCancelledError``
    ///   (with the stderr tail) when the calling task was cancelled (the
    ///   command is then dead).
    public func run() async throws -> ProcessOutcome {
        let launched = try launch()
        let termination = GroupTermination(group: launched.group, grace: gracePeriod)
        let exit = await withTaskCancellationHandler {
            await ChildExitWatcher.shared.exit(of: launched.group.id)
        } onCancel: {
            termination.begin()
        }
        termination.leaderHasExited()
        let cancelled = Task.isCancelled
        await launched.group.stop(grace: cancelled ? .zero : gracePeriod)
        registry?.remove(launched.group)
        return try conclusion(exit, of: launched, cancelled: cancelled)
    }

    /// Runs one attempt on the calling thread, which waits in `waitid` for
    /// the command (and then for what it left in its group): ``run()``
    /// without a task. `cancellation` stops the command as cancelling
    /// ``run()``'s task does.
    func run(cancellation: AttemptCancellation) throws -> ProcessOutcome {
        let launched = try launch()
        let termination = GroupTermination(group: launched.group, grace: gracePeriod)
        cancellation.onCancel { termination.begin() }
        let exit = ChildExitWatcher.reap(launched.group.id)
        termination.leaderHasExited()
        cancellation.onCancel(nil)
        let cancelled = cancellation.isCancelled
        launched.group.stopBlocking(grace: cancelled ? .zero : gracePeriod)
        registry?.remove(launched.group)
        return try conclusion(exit, of: launched, cancelled: cancelled)
    }

    /// A started command: its process group (recorded in ``registry``), and
    /// how to read its standard error tail.
    private struct Launched {
        let group: ProcessGroup
        let tail: () -> String?
    }

    /// Plans the command, opens its logs (or takes ``openedLogs``) and starts it.
    private func launch() throws(ProcessFailure) -> Launched {
        // (A command holding a NUL byte is planned for the shell, without
        // looking at the file system, and refused just below.)
        // Trusting: the program is not checked before the spawn, only after
        // a spawn that fails (see `start`).
        let launch = CommandLaunch.plan(
            command, searchPath: variables.searchPath, workingDirectory: workingDirectory, trusting: true)
        let block = variables.block(override: Self.exportedDirectory(launch, workingDirectory))
        if let refusal = hostileInput(block) {
            throw ProcessFailure(node: node, reason: .launch(refusal), stderrTail: nil)
        }
        let output: FileDescriptor
        let error: FileDescriptor
        // Where this attempt's standard error starts: 0 in a log made empty
        // for it (``LogFilePreparer`` creates only files that did not
        // exist), else the log's size now, from the open descriptor (no
        // second walk of its path).
        let stderrStart: UInt64
        if let opened = openedLogs?.take() {
            (output, error) = opened
            stderrStart = 0
        } else {
            let cannotOpen = { (why: any Error) in
                ProcessFailure(
                    node: node, reason: .launch("cannot open log files in \(logs.directory): \(why)"), stderrTail: nil)
            }
            do {
                output = try logs.openStandardOutput()
            } catch {
                throw cannotOpen(error)
            }
            do {
                error = try logs.openStandardError()
            } catch {
                try? output.close()
                throw cannotOpen(error)
            }
            stderrStart = tailLines > 0 ? Self.size(of: error) : 0
        }
        let tail = { [logs, tailLines] in tailLines > 0 ? logs.stderrTail(from: stderrStart, lines: tailLines) : nil }
        let started = start(launch, environment: block, output: output, error: error)
        try? output.close()
        try? error.close()
        switch started {
        case .started(let pid):
            let group = ProcessGroup(id: pid)
            registry?.insert(group)
            return Launched(group: group, tail: tail)
        case .refused(let status):
            throw ProcessFailure(node: node, reason: .exited(status), stderrTail: tail())
        case .failed(let why):
            throw ProcessFailure(node: node, reason: .launch(why), stderrTail: tail())
        }
    }

    /// What a command that ended with `exit` amounts to: its outcome, or
    /// the failure or cancellation to throw.
    private func conclusion(_ exit: ChildExitWatcher.Exit, of launched: Launched, cancelled: Bool) throws
        -> ProcessOutcome
    {
        if cancelled { throw NodeCancelledError(node: node, stderrTail: launched.tail()) }
        switch exit {
        case .exited(0):
            return ProcessOutcome(exitCode: 0, processID: launched.group.id)
        case .exited(let code):
            throw ProcessFailure(node: node, reason: .exited(code), stderrTail: launched.tail())
        case .signaled(let signal):
            throw ProcessFailure(node: node, reason: .signaled(signal), stderrTail: launched.tail())
        case .lost(let why):
            throw ProcessFailure(
                node: node, reason: .ended("could not be waited for: \(why)"), stderrTail: launched.tail())
        }
    }

    /// How an attempt to start the command went.
    private enum Start {
        /// It runs as this process (leading its own group).
        case started(Int32)
        /// Nothing was started; `sh`'s message is in the standard error log and this is the exit status.
        case refused(Int32)
        /// It could not be started, for this reason.
        case failed(String)
    }

    /// Starts the command, directly or through `/bin/sh` (see ``CommandLaunch``).
    private func start(
        _ plan: CommandLaunch, environment: AttemptEnvironment, output: FileDescriptor, error: FileDescriptor
    ) -> Start {
        var launch = plan
        // `plan` was made trusting what it remembered (or the path it was
        // given); a spawn of it that fails is planned again with every check,
        // so that the command ends exactly as a checked plan would end it.
        var trusted = true
        while true {
            switch launch {
            case .refuse(let status, let message):
                _ = try? error.writeAll(Array(message.utf8))
                return .refused(status)
            case .spawn(let path, let arguments):
                var pid: Int32 = 0
                let failure = Self.spawn(
                    path, arguments, environment: environment, workingDirectory: workingDirectory,
                    output: output.rawValue, error: error.rawValue, pid: &pid)
                if failure == 0 { return .started(pid) }
                if let directory = workingDirectory, let problem = Self.directoryProblem(directory) {
                    return .failed("cannot change to directory \(directory): \(problem)")
                }
                if trusted {
                    trusted = false
                    if failure != ENOEXEC {
                        launch = CommandLaunch.plan(
                            command, searchPath: variables.searchPath, workingDirectory: workingDirectory)
                        continue
                    }
                }
                guard launch != .shell(command) else {
                    return .failed("cannot run /bin/sh: \(String(cString: strerror(failure)))")
                }
                // A script without `#!` (ENOEXEC) is the shell's to run, as `sh` would.
                launch = CommandLaunch.afterFailedSpawn(of: arguments.first ?? path, error: failure) ?? .shell(command)
            }
        }
    }

    /// `dagron_spawn_node` with the C strings of `path`, `arguments`,
    /// `environment` and `workingDirectory`: 0 and the child in `pid`, or
    /// the `errno` of the failure. Static, so that the closures lending the
    /// strings capture these borrowed values and not the whole command: a
    /// closure in a method of the command copied the command and the
    /// environment (with a retain and a release of each of their
    /// references) for every spawn.
    private static func spawn(
        _ path: String, _ arguments: [String], environment: borrowing AttemptEnvironment, workingDirectory: String?,
        output: Int32, error: Int32, pid: inout Int32
    ) -> Int32 {
        environment.withPointers { envp in
            SpawnSupport.withCStrings(arguments) { argv in
                path.withCString { path in
                    withOptionalCString(workingDirectory) { directory in
                        dagron_spawn_node(path, argv, envp.baseAddress, directory, output, error, &pid)
                    }
                }
            }
        }
    }

    /// `text` as a C string for the call of `body` (`nil` for `nil`), without
    /// the copy an implicit conversion of an optional string makes.
    private static func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let text else { return body(nil) }
        return text.withCString(body)
    }

    /// The size of the file open as `descriptor` (0 if it cannot be told).
    private static func size(of descriptor: FileDescriptor) -> UInt64 {
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0, status.st_size > 0 else { return 0 }
        return UInt64(status.st_size)
    }

    /// Why `directory` cannot be the command's working directory, or `nil` if it can.
    private static func directoryProblem(_ directory: String) -> String? {
        var status = stat()
        guard stat(directory, &status) == 0 else { return String(cString: strerror(errno)) }
        guard status.st_mode & S_IFMT == S_IFDIR else { return String(cString: strerror(ENOTDIR)) }
        guard access(directory, X_OK) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }

    /// Why the command or its environment cannot be handed to a process
    /// (a NUL byte, which would cut them short), naming the node; `nil` if they can.
    private func hostileInput(_ variables: AttemptEnvironment) -> String? {
        if command.utf8.contains(0) {
            return "the command of node '\(node)' contains a NUL byte, which no process can take"
        }
        guard let name = variables.unusableName else { return nil }
        let shown = name.replacingOccurrences(of: "\0", with: "\\0")
        return
            "the environment variable '\(shown)' of node '\(node)' holds a NUL byte or its name an '=', which no process can take"
    }

    /// What `sh` would have exported for a program it starts: `PWD`, the
    /// directory the program runs in (`sh` itself sets it when it runs the command).
    private static func exportedDirectory(
        _ launch: CommandLaunch, _ workingDirectory: String?
    ) -> (name: String, value: String)? {
        guard case .spawn(let path, _) = launch, path != "/bin/sh", let directory = workingDirectory,
            directory.hasPrefix("/")
        else { return nil }
        return ("PWD", directory)
    }
}
