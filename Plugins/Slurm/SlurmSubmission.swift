import ClusterJobSupport
import DagronSDK

/// The `sbatch` command line for one attempt of a node.
enum SlurmSubmission {
    /// `sbatch`'s arguments (after its name) to run `script` for `job`.
    ///
    /// The job is named `job.jobName` (shared by the run's jobs), appends
    /// its output to the job's log files, starts in its working directory
    /// and gets sbatch's own environment (`--export=ALL`, the environment
    /// ``SlurmExecutor`` runs sbatch with is the job's). Resources become
    /// `--cpus-per-task`, `--mem=<N>M`, `--time=<minutes>` (rounded up) and
    /// `--gres=gpu:N` (none for `gpus: 0`); without `resources.time` the
    /// node's timeout, if any, is the time limit.
    /// - Throws: ``ClusterJobError`` for a resource Slurm cannot take (a time
    ///   limit that is not from 1 s to 365 days, a count below 1).
    static func arguments(for job: NodeJob, script: BatchScript, settings: SlurmSettings) throws(ClusterJobError)
        -> [String]
    {
        var arguments = [
            "--parsable",
            "--job-name=\(job.jobName)",
            "--output=\(job.standardOutputPath)",
            "--error=\(job.standardErrorPath)",
            "--open-mode=append",
            "--chdir=\(job.workingDirectory)",
            "--export=ALL",
        ]
        if let partition = settings.partition { arguments.append("--partition=\(partition)") }
        if let account = settings.account { arguments.append("--account=\(account)") }
        if let qos = settings.qos { arguments.append("--qos=\(qos)") }
        let resources = job.resources
        if let cpus = resources.cpus { arguments.append("--cpus-per-task=\(try count(cpus, "cpus"))") }
        if let memory = resources.memoryMebibytes { arguments.append("--mem=\(try count(memory, "mem"))M") }
        if let seconds = resources.timeSeconds ?? job.timeoutSeconds {
            arguments.append("--time=\(try SlurmTimeLimit.minutes(seconds))")
        }
        // `gpus: 0` (what `dagron validate` accepts) asks for no GPU: no `--gres` at all.
        if let gpus = resources.gpus, gpus != 0 { arguments.append("--gres=gpu:\(try count(gpus, "gpus"))") }
        arguments += settings.extraArguments
        arguments.append(script.scriptPath)
        return arguments
    }

    private static func count(_ value: Int, _ name: String) throws(ClusterJobError) -> Int {
        guard value >= 1 else {
            throw ClusterJobError("slurm executor: resources.\(name) is \(value), expected at least 1")
        }
        return value
    }

    /// The job id in `sbatch --parsable`'s output (`4711` or `4711;cluster`).
    /// - Throws: ``ClusterJobError`` quoting the output when it holds no id.
    static func jobID(fromParsable output: String) throws(ClusterJobError) -> String {
        let firstLine = output.split(whereSeparator: \.isNewline).first.map { String($0).trimmingBlanks } ?? ""
        let id = String(firstLine.prefix { $0 != ";" })
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }) else {
            throw ClusterJobError("slurm executor: sbatch --parsable printed '\(firstLine.prefix(200))', not a job id")
        }
        return id
    }
}
