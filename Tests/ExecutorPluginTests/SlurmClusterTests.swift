import ClusterJobSupport
@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import SlurmPlugin

/// Real jobs on a real Slurm (scripts/test.sh starts a one-node cluster),
/// through the executor API as the host drives it. Serialized: they share
/// a one-node cluster with two cores.
@Suite(.serialized) struct SlurmClusterTests {
    private func makeExecutor(_ values: [String: String] = [:]) throws -> (SlurmExecutorPlugin, any NodeExecutor) {
        let plugin = SlurmExecutorPlugin()
        try plugin.configure(PluginSettings(plugin: "slurm", values))
        return (plugin, try plugin.makeExecutor())
    }

    /// Slurm's own record of job `id` (`scontrol -o show job ID`).
    private func controllerLine(_ id: String) async throws -> String {
        let scontrol = try #require(
            ExecutableLookup.find("scontrol", searchPath: ProcessInfo.processInfo.environment["PATH"]))
        return try await ClusterCommand(executable: scontrol, arguments: ["-o", "show", "job", id]).run().output
    }

    @Test func aJobSucceedsWithItsLogsEnvironmentAndDirectory() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        try "earlier attempt\n".write(
            toFile: fixture.runDirectory + "/logs/hello.out", atomically: true, encoding: .utf8)
        let (plugin, executor) = try makeExecutor()
        defer { plugin.teardown() }
        let job = fixture.job(
            "hello", "echo \"hello $DAGRON_TEST_WORD\"; pwd; echo oops >&2", extra: ["DAGRON_TEST_WORD": "it's a b"])
        let handle = try await executor.submit(job)
        #expect(handle.executor == "slurm" && handle.node == "hello" && !handle.id.isEmpty)
        let outcome = try #require(try await waitForOutcomes(executor, [handle])[handle])
        #expect(outcome.ending == .succeeded)
        #expect(outcome.exitCode == 0)
        #expect(outcome.state == "COMPLETED")
        let started = try #require(outcome.startedAt)
        let finished = try #require(outcome.finishedAt)
        #expect(finished >= started && abs(started - Date().timeIntervalSince1970) < 600)
        #expect(fixture.log("hello") == "earlier attempt\nhello it's a b\n\(fixture.scratch.path)\n")
        #expect(fixture.log("hello", "err") == "oops\n")
        #expect(ExitFile.read(path: BatchScript(for: job).exitFilePath)?.status == 0)
        let record = try await controllerLine(handle.id)
        #expect(record.contains("JobName=\(job.jobName) "))
        // Finished outcomes are remembered: polling again answers the same.
        #expect(try await executor.poll([handle])[handle] == .finished(outcome))
    }

    @Test func aFailingJobReportsItsExitCode() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let (plugin, executor) = try makeExecutor()
        defer { plugin.teardown() }
        let handle = try await executor.submit(fixture.job("fails", "echo about to fail >&2; exit 3"))
        let outcome = try #require(try await waitForOutcomes(executor, [handle])[handle])
        #expect(outcome.ending == .failed)
        #expect(outcome.exitCode == 3)
        #expect(outcome.state == "FAILED")
        #expect(fixture.log("fails", "err") == "about to fail\n")
    }

    @Test func aCancelledJobEndsCancelled() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let (plugin, executor) = try makeExecutor()
        defer { plugin.teardown() }
        let handle = try await executor.submit(fixture.job("sleeper", "sleep 300"))
        try await waitUntilStarted(executor, handle)
        await executor.cancel([handle])
        let outcome = try #require(try await waitForOutcomes(executor, [handle], timeout: 120)[handle])
        #expect(outcome.ending == .cancelled)
        #expect(outcome.state == "CANCELLED")
    }

    @Test func resourcesReachSlurm() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let (plugin, executor) = try makeExecutor()
        defer { plugin.teardown() }
        let job = fixture.job(
            "sized", "echo sized", resources: NodeResources(cpus: 1, memoryMebibytes: 100, timeSeconds: 61))
        let handle = try await executor.submit(job)
        #expect(try await waitForOutcomes(executor, [handle])[handle]?.ending == .succeeded)
        let record = try await controllerLine(handle.id)
        #expect(record.contains("TimeLimit=00:02:00"), "\(record)")
        #expect(record.contains("NumCPUs=1"), "\(record)")
        #expect(record.contains("mem=100M"), "\(record)")
    }

    @Test func twentyJobsAreAnsweredByEachPoll() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let (plugin, executor) = try makeExecutor()
        defer { plugin.teardown() }
        var handles: [NodeJobHandle] = []
        for index in 0..<20 {
            handles.append(try await executor.submit(fixture.job("n\(index)", "exit $(( \(index) % 2 ))")))
        }
        #expect(Set(handles.map(\.id)).count == 20)
        let partial = Mutex(0)
        let outcomes = try await waitForOutcomes(executor, handles, timeout: 300) { states in
            if states.count != 20 { partial.withTrackedLock { $0 += 1 } }
        }
        #expect(partial.withTrackedLock { $0 } == 0, "every poll answers for all twenty jobs")
        for (index, handle) in handles.enumerated() {
            #expect(outcomes[handle]?.ending == (index % 2 == 0 ? .succeeded : .failed))
            #expect(outcomes[handle]?.exitCode == Int32(index % 2))
        }
    }

    @Test func withoutAccountingTheControllerAndThenTheExitFileDecide() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        // No sacct: finished jobs are read from `scontrol -o show job`.
        let (plugin, executor) = try makeExecutor(["sacct": "dagron-no-such-sacct"])
        defer { plugin.teardown() }
        let handle = try await executor.submit(fixture.job("noacct", "exit 4"))
        let outcome = try #require(try await waitForOutcomes(executor, [handle])[handle])
        #expect(outcome.ending == .failed && outcome.exitCode == 4 && outcome.state == "FAILED")
        // scontrol failing as well (/bin/false): the job's exit file decides.
        let (otherPlugin, fileOnly) = try makeExecutor(["sacct": "dagron-no-such-sacct", "scontrol": "/bin/false"])
        defer { otherPlugin.teardown() }
        let second = try await fileOnly.submit(fixture.job("fileonly", "exit 5"))
        let fromFile = try #require(try await waitForOutcomes(fileOnly, [second])[second])
        #expect(fromFile.ending == .failed && fromFile.exitCode == 5 && fromFile.state == nil)
        #expect(fromFile.message?.contains("exit file") == true)
    }

    @Test func sbatchRefusalFailsTheSubmissionWithSlurmsWords() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let (plugin, executor) = try makeExecutor(["partition": "dagron-no-such-partition"])
        defer { plugin.teardown() }
        await #expect {
            _ = try await executor.submit(fixture.job("refused", "true"))
        } throws: { error in
            let text = String(describing: error)
            return text.hasPrefix("slurm executor: sbatch refused node 'refused'") && text.contains("partition")
        }
    }

    @Test func teardownCancelsWhatIsStillQueuedOrRunning() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let (plugin, executor) = try makeExecutor()
        let handles = [
            try await executor.submit(fixture.job("left1", "sleep 300")),
            try await executor.submit(fixture.job("left2", "sleep 300")),
        ]
        plugin.teardown()
        // A fresh executor (no cancellation recorded) sees Slurm's own end of both.
        let (observer, watcher) = try makeExecutor()
        defer { observer.teardown() }
        let outcomes = try await waitForOutcomes(
            watcher, handles.map { NodeJobHandle(executor: "slurm", id: $0.id, node: $0.node) }, timeout: 120)
        #expect(outcomes.values.allSatisfy { $0.ending == .cancelled }, "\(outcomes)")
    }

    @Test func theBuiltLibraryIsAWorkingExecutorPlugin() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronSlurm.so"))
        #expect(plugin.name == "slurm")
        let executorPlugin = try #require(plugin as? any NodeExecutorPlugin)
        try executorPlugin.configure(PluginSettings(plugin: "slurm", ["poll_interval": "1s"]))
        try executorPlugin.initialize(hooks: HookRegistry())
        let executor = try executorPlugin.makeExecutor()
        defer { executorPlugin.teardown() }
        #expect(executor.pollInterval == .seconds(1))
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let handle = try await executor.submit(fixture.job("viaso", "echo from the library"))
        #expect(try await waitForOutcomes(executor, [handle])[handle]?.ending == .succeeded)
        #expect(fixture.log("viaso") == "from the library\n")
    }
}
