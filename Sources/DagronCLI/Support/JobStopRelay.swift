import Dagron
import DagronSystemShims
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Makes Ctrl-Z (SIGTSTP) pause a whole run, not only `dagron`: its nodes
/// lead process groups of their own, which the terminal's stop signal does
/// not reach, so they would go on running (and finish unseen) while
/// `dagron` sat stopped.
///
/// On SIGTSTP the relay stops every running node's process group (and any
/// node that starts meanwhile), then stops `dagron` itself as the signal's
/// default action would; when the shell continues it (`fg`, `bg`), the
/// nodes are continued too. The time spent stopped is recorded in
/// ``ProcessSuspension``, so it does not count against node timeouts.
/// Not paused: plugins isolated in processes of their own and jobs that
/// executors run elsewhere (a Slurm job keeps running).
final class JobStopRelay: Sendable {
    // Immutable after init; DispatchSource's resume/cancel are thread-safe.
    private nonisolated(unsafe) let source: any DispatchSourceSignal

    /// Installs the handler; ``remove()`` restores the default action.
    init(processGroups: ProcessGroupRegistry, suspension: ProcessSuspension = .shared) {
        signal(SIGTSTP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGTSTP, queue: .global())
        source.setEventHandler {
            suspension.begin()
            processGroups.pauseAll()
            // Returns once the process is continued (at once if its
            // process group is orphaned, where a stop would never end).
            dagron_stop_process(SIGTSTP)
            processGroups.resumeAll()
            suspension.end()
        }
        source.resume()
    }

    /// Removes the handler and restores the default action.
    func remove() {
        source.cancel()
        signal(SIGTSTP, SIG_DFL)
    }
}
