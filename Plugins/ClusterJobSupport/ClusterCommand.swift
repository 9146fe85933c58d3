import Foundation
import Subprocess
import SystemPackage

/// One run of a cluster tool (`sbatch`, `squeue`, a template through
/// `/bin/sh -c`): what it printed and how it ended.
public struct ClusterCommand: Sendable {
    /// What a finished command left.
    public struct Result: Sendable {
        /// The exit status, or 128 + the signal for a killed command.
        public var status: Int32
        /// Standard output.
        public var output: String
        /// Standard error.
        public var errorOutput: String

        /// Whether it exited with status 0.
        public var succeeded: Bool { status == 0 }

        /// The last lines of standard error (or of standard output when
        /// standard error is empty), for error messages.
        public var diagnostic: String {
            let text = errorOutput.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? output : errorOutput
            let lines = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(5)
            return lines.joined(separator: " | ").trimmingCharacters(in: .whitespaces)
        }
    }

    /// The executable's absolute path.
    public var executable: String
    /// The arguments after the executable's name.
    public var arguments: [String]
    /// The complete environment, or `nil` for dagron's own.
    public var environment: [String: String]?
    /// The working directory, or `nil` for dagron's own.
    public var workingDirectory: String?
    /// How long the command may take before it is killed and the call throws.
    public var timeout: Duration
    /// The most bytes kept of standard output (more is an error: the tool is not what it seems).
    public var outputLimit: Int

    /// Creates a command.
    public init(
        executable: String, arguments: [String], environment: [String: String]? = nil, workingDirectory: String? = nil,
        timeout: Duration = .seconds(60), outputLimit: Int = 64 << 20
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.outputLimit = outputLimit
    }

    /// `executable arguments...`, for messages.
    public var commandLine: String {
        ([executable] + arguments).map { word in
            word.contains(where: { $0 == " " || $0 == "'" || $0 == "\"" }) ? ShellQuoting.quote(word) : word
        }.joined(separator: " ")
    }

    /// Runs the command with empty standard input.
    /// - Throws: ``ClusterJobError`` when it cannot start, prints more than
    ///   ``outputLimit`` or runs past ``timeout`` (it is killed then).
    public func run() async throws(ClusterJobError) -> Result {
        let name = (executable as NSString).lastPathComponent
        do {
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask { try await self.spawn() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw ClusterJobError("\(name) did not finish within \(timeout) (\(commandLine))")
                }
                return result
            }
        } catch let error as ClusterJobError {
            throw error
        } catch {
            throw ClusterJobError("cannot run \(commandLine): \(error)")
        }
    }

    private func spawn() async throws -> Result {
        let environment: Environment
        if let variables = self.environment {
            var custom: [Environment.Key: String] = [:]
            for (name, value) in variables { custom[Environment.Key(stringLiteral: name)] = value }
            environment = .custom(custom)
        } else {
            environment = .inherit
        }
        let result = try await Subprocess.run(
            .path(FilePath(executable)),
            arguments: Arguments(arguments),
            environment: environment,
            workingDirectory: workingDirectory.map { FilePath($0) },
            input: .none,
            output: .string(limit: outputLimit),
            error: .string(limit: 1 << 20)
        )
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
        return Result(status: status, output: result.standardOutput, errorOutput: result.standardError)
    }
}
