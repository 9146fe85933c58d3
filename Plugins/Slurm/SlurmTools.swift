import ClusterJobSupport

/// The absolute paths of the Slurm commands the executor runs.
struct SlurmTools: Sendable, Equatable {
    var sbatch: String
    var squeue: String
    var scontrol: String
    var scancel: String
    /// `nil` when `sacct` is not installed: finished jobs are then read from `scontrol` and exit files.
    var sacct: String?

    /// Looks the settings' tools up on `searchPath` (`$PATH`).
    /// - Throws: ``ClusterJobError`` naming the first required tool that is missing and the setting that sets it.
    init(_ settings: SlurmSettings, searchPath: String?) throws(ClusterJobError) {
        func find(_ name: String, key: String) throws(ClusterJobError) -> String {
            guard let path = ExecutableLookup.find(name, searchPath: searchPath) else {
                let whereFrom = name == key ? "on PATH" : "('\(name)')"
                throw ClusterJobError(
                    "slurm executor: \(key) not found \(whereFrom); install Slurm's client tools or set slurm.\(key)")
            }
            return path
        }
        sbatch = try find(settings.sbatch, key: "sbatch")
        squeue = try find(settings.squeue, key: "squeue")
        scontrol = try find(settings.scontrol, key: "scontrol")
        scancel = try find(settings.scancel, key: "scancel")
        sacct = ExecutableLookup.find(settings.sacct, searchPath: searchPath)
    }
}
