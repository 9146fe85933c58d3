public import DagronSDK
import Foundation

/// The script a cluster runs for one attempt of a node, and the file it
/// leaves behind with the command's exit status.
///
/// Both live in `<run directory>/executor/`: `<node>.<attempt>.sh` and
/// `<node>.<attempt>.exit`. The script changes to the job's working
/// directory, runs the command with `/bin/sh -c`, then writes
/// `status=N started=S finished=F` (seconds since the epoch) to a temporary
/// file that it renames to the exit file, so a reader never sees half of it.
/// The exit file is what tells how a job ended when the cluster no longer
/// knows it (Slurm without accounting, a generic scheduler).
///
/// The environment is not written into the script (it may hold secrets):
/// the submission passes it on (`sbatch --export=ALL`).
public struct BatchScript: Sendable, Hashable {
    /// The script's absolute path.
    public let scriptPath: String
    /// The exit file's absolute path.
    public let exitFilePath: String

    /// The paths for `job`: `<runDirectory>/executor/<node>.<attempt>.sh` and `.exit`.
    public init(for job: NodeJob) {
        let folder = Self.folder(runDirectory: job.runDirectory)
        let stem = folder + "/" + Self.fileSafe(job.node) + ".\(job.attempt)"
        scriptPath = stem + ".sh"
        exitFilePath = stem + ".exit"
    }

    /// `<runDirectory>/executor`.
    public static func folder(runDirectory: String) -> String {
        (runDirectory.hasSuffix("/") ? String(runDirectory.dropLast()) : runDirectory) + "/executor"
    }

    /// The script's text for `job`.
    public func text(for job: NodeJob) -> String {
        let exit = ShellQuoting.quote(exitFilePath)
        let partial = ShellQuoting.quote(exitFilePath + ".partial")
        return """
            #!/bin/sh
            # dagron run \(Self.comment(job.runID)), node \(Self.comment(job.node)), attempt \(job.attempt)
            started=$(date +%s)
            cd -- \(ShellQuoting.quote(job.workingDirectory)) && /bin/sh -c \(ShellQuoting.quote(job.command))
            status=$?
            finished=$(date +%s)
            printf 'status=%s started=%s finished=%s\\n' "$status" "$started" "$finished" > \(partial) && mv -f \(partial) \(exit)
            exit "$status"

            """
    }

    /// Writes the script (mode 0700) and removes a stale exit file of the
    /// same attempt, creating the `executor` folder when needed.
    /// - Throws: ``ClusterJobError`` naming the path that could not be written.
    public func write(for job: NodeJob) throws(ClusterJobError) {
        let manager = FileManager.default
        let folder = Self.folder(runDirectory: job.runDirectory)
        do {
            try manager.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try? manager.removeItem(atPath: exitFilePath)
            try Data(text(for: job).utf8).write(to: URL(fileURLWithPath: scriptPath), options: .atomic)
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: scriptPath)
        } catch {
            throw ClusterJobError("cannot write the batch script \(scriptPath): \(error.localizedDescription)")
        }
    }

    /// `node` with `/` and control characters replaced by `_`, so it names
    /// one file in the folder (pipeline node names never have them).
    static func fileSafe(_ node: String) -> String {
        let cleaned = String(
            node.unicodeScalars.map { scalar -> Character in
                scalar == "/" || scalar.properties.generalCategory == .control ? "_" : Character(scalar)
            })
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "_" + cleaned : cleaned
    }

    /// `text` on one comment line.
    private static func comment(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
    }
}
