import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A run that is forced to end (here: a plugin hook that stalls past its
/// `stall_timeout`, which ends the process with `_exit` and no teardown of
/// the run; or one that crashes the process) still has its executor plugins
/// cancel the jobs they submitted.
///
/// The executor is `cluster-generic`, configured with shell commands whose
/// "jobs" are processes outside dagron's reach, as a cluster's jobs are:
/// in a session of their own and without `DAGRON_RUN_DIR`, so neither the
/// nodes' process groups nor the leftover sweep kill them. Only the
/// executor's `cancel` command does. (The Slurm twin of this test is
/// `SlurmRunTests.forcedExitCancelsTheJobs`.)
@Suite(.serialized) struct ForcedExitExecutorTests {
    /// `hang`: the hook stalls past `stall_timeout` (exit 1); `abort`: it
    /// crashes the process (which dies of SIGABRT after its report).
    @Test(arguments: ["hang", "abort"])
    func aPluginThatEndsTheRunLeavesTheExecutorToCancelItsJobs(fault: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            executor: cluster-generic
            max_workers: 2
            fail_fast: false
            plugins:
              cluster-generic:
                submit: env -u DAGRON_RUN_DIR setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > job.pid; echo $!
                status: for id in {job_ids}; do if kill -0 "$id" 2>/dev/null; then echo "$id RUNNING"; fi; done
                cancel: grep -E '^Sig(Blk|Ign):' /proc/self/status > cancel-signals; kill {job_ids}
                poll_interval: 100ms
            nodes:
              job: {run: "true"}
              b: {run: 'while [ ! -s job.pid ]; do sleep 0.02; done', executor: local}
            """)
        let arguments =
            ["run", "p.yml", "--run-dir", "run", "--plugin-path", DagronBinary.directory]
            + (try MisbehavingPlugin.arguments(["fault": fault, "at": "post_node", "node": "b", "stall_timeout": "1s"]))
        let finished = try dagron(arguments, in: scratch.path, timeout: 90)
        let job = try RunProcesses.pid(scratch, "job.pid")
        defer { RunProcesses.kill([job]) }
        if fault == "hang" {
            #expect(finished.status == 1, "\(finished.stderr)")
            #expect(finished.stderr.contains("stall timeout"), "the run did not end on the stall: \(finished.stderr)")
        } else {
            #expect(finished.signal == SIGABRT, "\(finished.stderr)")
            #expect(finished.stderr.contains("dagron crashed with signal 6"), "\(finished.stderr)")
            #expect(try scratch.report()["exitCode"] as? Int == 134, "result.json is written before the process dies")
        }
        #expect(
            (finished.stdout + finished.stderr).contains(
                "asking executor 'cluster-generic' to cancel the run's unfinished jobs"),
            "\(finished.stdout)\(finished.stderr)")
        let gone = waitUntil(timeout: 10) { !isRunning(job) }
        #expect(gone, "the executor's job (process \(job)) outlived dagron's forced exit")
        // The cancel command does not inherit what dagron ignores or blocks.
        #expect(
            standardSignalsAtTheirDefault(scratch.read("cancel-signals") ?? ""),
            "\(scratch.read("cancel-signals") ?? "")")
    }
}
