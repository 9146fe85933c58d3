import ClusterJobSupport

/// A node's wall-time limit as `sbatch --time` takes it: whole minutes.
enum SlurmTimeLimit {
    /// The longest limit passed on: 365 days (Slurm's own upper values mean "infinite").
    static let longestSeconds = 365 * 86_400.0

    /// `seconds` rounded **up** to whole minutes, at least 1: `--time=<minutes>`.
    /// - Throws: ``ClusterJobError`` for NaN, infinity, 0, a negative
    ///   number or more than 365 days.
    static func minutes(_ seconds: Double) throws(ClusterJobError) -> Int {
        guard seconds.isFinite, seconds > 0, seconds <= longestSeconds else {
            throw ClusterJobError("slurm executor: the time limit \(seconds) s is not a duration from 1 s to 365 days")
        }
        return max(1, Int((seconds / 60).rounded(.up)))
    }
}
