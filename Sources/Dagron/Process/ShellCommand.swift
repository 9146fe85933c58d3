@_spi(DagronHost) import DagronSDK
import Foundation
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A node's shell command: run with `/bin/sh -c` in a process group of its
/// own, standard output and standard error appended to log files, standard
/// input empty.
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
    public var environment: [String: String]
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

    /// Creates a command.
    public init(
        node: String, command: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String? = nil, logs: NodeLogFiles, gracePeriod: Duration = .seconds(2), tailLines: Int = 20,
        registry: ProcessGroupRegistry? = nil
    ) {
        self.node = node
        self.command = command
        self.environment = environment
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
        let stderrStart = logs.stderrSize()
        let output: FileDescriptor
        let error: FileDescriptor
        do {
            output = try logs.openStandardOutput()
            error = try logs.openStandardError()
        } catch {
            throw ProcessFailure(node: node, reason: .launch("cannot open log files in \(logs.directory): \(error)"), stderrTail: nil)
        }
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: gracePeriod)]
        let group = Mutex<ProcessGroup?>(nil)
        var variables: [Environment.Key: String] = [:]
        for (name, value) in environment { variables[Environment.Key(stringLiteral: name)] = value }
        let status: TerminationStatus
        do {
            let result = try await Subprocess.run(
                .path(FilePath("/bin/sh")),
                arguments: ["-c", command],
                environment: .custom(variables),
                workingDirectory: workingDirectory.map { FilePath($0) },
                platformOptions: options,
                input: .none,
                output: .fileDescriptor(output, closeAfterSpawningProcess: true),
                error: .fileDescriptor(error, closeAfterSpawningProcess: true)
            ) { [registry] execution in
                let leader = ProcessGroup(id: execution.processIdentifier.value)
                group.withTrackedLock { $0 = leader }
                registry?.insert(leader)
            }
            status = result.terminationStatus
        } catch is CancellationError {
            await end(group.withTrackedLock { $0 }, grace: .zero)
            throw NodeCancelledError(node: node, stderrTail: logs.stderrTail(from: stderrStart, lines: tailLines))
        } catch {
            await end(group.withTrackedLock { $0 }, grace: .zero)
            if Task.isCancelled {
                throw NodeCancelledError(node: node, stderrTail: logs.stderrTail(from: stderrStart, lines: tailLines))
            }
            throw ProcessFailure(node: node, reason: .launch(String(describing: error)), stderrTail: logs.stderrTail(from: stderrStart, lines: tailLines))
        }
        let leader = group.withTrackedLock { $0 }
        if Task.isCancelled {
            await end(leader, grace: .zero)
            throw NodeCancelledError(node: node, stderrTail: logs.stderrTail(from: stderrStart, lines: tailLines))
        }
        await end(leader, grace: gracePeriod)
        switch status {
        case .exited(0):
            return ProcessOutcome(exitCode: 0, processID: leader?.id ?? 0)
        case .exited(let code):
            throw ProcessFailure(node: node, reason: .exited(code), stderrTail: logs.stderrTail(from: stderrStart, lines: tailLines))
        case .signaled(let signal):
            throw ProcessFailure(node: node, reason: .signaled(signal), stderrTail: logs.stderrTail(from: stderrStart, lines: tailLines))
        }
    }

    /// Stops what is left of the command's group (its leader has been
    /// waited for) and forgets the group. A `grace` of zero kills at once.
    private func end(_ group: ProcessGroup?, grace: Duration) async {
        guard let group else { return }
        await group.stop(grace: grace)
        registry?.remove(group)
    }
}
