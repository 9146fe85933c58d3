import ClusterJobSupport
import Foundation
import Testing

/// The real Slurm the cluster tests submit to (scripts/test.sh starts it).
///
/// A test never passes silently without it: when `sbatch` cannot reach a
/// controller, ``isReachable()`` records an issue saying how to start one
/// (a failure), whether or not `CI`/`DAGRON_TEST_SLURM=1` demand the cluster.
enum SlurmCluster {
    /// Whether the environment says the cluster must be there (CI, scripts/test.sh).
    static var isRequired: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["DAGRON_TEST_SLURM"] == "1" || !(environment["CI"] ?? "").isEmpty
    }

    /// Whether `squeue` answers; records an issue explaining how to start the cluster when it does not.
    static func isReachable(sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        let searchPath = ProcessInfo.processInfo.environment["PATH"]
        if let squeue = ExecutableLookup.find("squeue", searchPath: searchPath),
            let result = try? await ClusterCommand(
                executable: squeue, arguments: ["--noheader", "--format=%i"], timeout: .seconds(30)
            ).run(),
            result.succeeded
        {
            return true
        }
        let how =
            "start it with `scripts/slurm-cluster.sh start` and `eval \"$(scripts/slurm-cluster.sh env)\"`, or run scripts/test.sh, which does both"
        Issue.record(
            Comment(
                rawValue: isRequired
                    ? "Slurm is required here (CI or DAGRON_TEST_SLURM=1) but squeue cannot reach a controller: \(how)"
                    : "these tests run real Slurm jobs and no Slurm controller answers: \(how)"),
            sourceLocation: sourceLocation)
        return false
    }
}
