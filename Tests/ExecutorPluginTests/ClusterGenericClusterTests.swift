import ClusterGenericPlugin
import ClusterJobSupport
@_spi(DagronHost) import DagronSDK
import Foundation
import TestSupport
import Testing

/// `cluster-generic` driving the same real Slurm through its command
/// templates (sbatch, squeue, scancel), as a user would configure it.
@Suite(.serialized) struct ClusterGenericClusterTests {
    static let submit =
        "sbatch --parsable --job-name={job_name} --output={stdout} --error={stderr} --open-mode=append --mem={mem_mb}M {script}"
    /// Only queued and running jobs: finished ones are not listed and their exit files decide.
    static let activeStatus = "squeue --noheader --name={job_name} --format='%i %T'"
    /// Finished jobs too (Slurm keeps them for MinJobAge): CANCELLED is listed.
    static let allStatus = "squeue --noheader --states=all --name={job_name} --format='%i %T'"

    private func makeExecutor(status: String = activeStatus, extra: [String: String] = [:]) throws -> (
        ClusterGenericExecutorPlugin, any NodeExecutor
    ) {
        let plugin = ClusterGenericExecutorPlugin()
        try plugin.configure(
            PluginSettings(
                plugin: "cluster-generic",
                ["submit": Self.submit, "status": status, "cancel": "scancel {job_ids}", "poll_interval": "1s"].merging(
                    extra
                ) { $1 }))
        return (plugin, try plugin.makeExecutor())
    }

    @Test func succeededAndFailedJobsAreDecidedByTheirExitFiles() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let (plugin, executor) = try makeExecutor()
        defer { plugin.teardown() }
        let good = try await executor.submit(
            fixture.job(
                "good", "echo \"$DAGRON_TEST_WORD\"", resources: NodeResources(memoryMebibytes: 100),
                extra: ["DAGRON_TEST_WORD": "passed on"]))
        let bad = try await executor.submit(
            fixture.job("bad", "exit 3", resources: NodeResources(memoryMebibytes: 100)))
        #expect(good.executor == "cluster-generic")
        let outcomes = try await waitForOutcomes(executor, [good, bad], timeout: 240)
        #expect(outcomes[good]?.ending == .succeeded && outcomes[good]?.exitCode == 0)
        #expect(outcomes[bad]?.ending == .failed && outcomes[bad]?.exitCode == 3)
        #expect(outcomes[good]?.startedAt != nil && outcomes[good]?.finishedAt != nil)
        #expect(fixture.log("good") == "passed on\n")
    }

    @Test func listedFinalStatesAndCancellation() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let (plugin, executor) = try makeExecutor(status: Self.allStatus)
        defer { plugin.teardown() }
        let done = try await executor.submit(
            fixture.job("done", "exit 0", resources: NodeResources(memoryMebibytes: 100)))
        let sleeper = try await executor.submit(
            fixture.job("sleeper", "sleep 300", resources: NodeResources(memoryMebibytes: 100)))
        try await waitUntilStarted(executor, sleeper)
        await executor.cancel([sleeper])
        let outcomes = try await waitForOutcomes(executor, [done, sleeper], timeout: 240)
        #expect(outcomes[done]?.ending == .succeeded && outcomes[done]?.state == "COMPLETED")
        #expect(outcomes[sleeper]?.ending == .cancelled && outcomes[sleeper]?.state == "CANCELLED")
    }

    @Test func aSubmitThatPrintsNoIDOrFailsIsAnError() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        // sbatch without --parsable says "Submitted batch job N": not an id.
        let chatty = ClusterGenericExecutorPlugin()
        try chatty.configure(
            PluginSettings(
                plugin: "cluster-generic",
                [
                    "submit": "sbatch --job-name={job_name} --output=/dev/null --error=/dev/null {script}",
                    "status": Self.allStatus,
                    "cancel": "scancel --name={job_name}",
                ]))
        let executor = try chatty.makeExecutor()
        await #expect {
            _ = try await executor.submit(fixture.job("chatty", "true"))
        } throws: { String(describing: $0).contains("printed 'Submitted batch job") }
        let refusing = ClusterGenericExecutorPlugin()
        try refusing.configure(
            PluginSettings(
                plugin: "cluster-generic",
                [
                    "submit": "sbatch --parsable --partition=dagron-no-such-partition {script}",
                    "status": Self.allStatus,
                ]))
        await #expect {
            _ = try await refusing.makeExecutor().submit(fixture.job("refused", "true"))
        } throws: {
            String(describing: $0).hasPrefix(
                "cluster-generic executor: submit failed for node 'refused' (exit status 1)")
        }
        let scancel = try #require(
            ExecutableLookup.find("scancel", searchPath: ProcessInfo.processInfo.environment["PATH"]))
        // The job the chatty sbatch did queue is the test's to cancel (the executor never learned its id).
        _ = try await ClusterCommand(executable: scancel, arguments: ["--name=dagron-\(fixture.runID)"]).run()
    }

    @Test func aFailingStatusCommandIsAPollError() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let (plugin, executor) = try makeExecutor(
            status: "squeue --noheader --name={job_name} --format='%i %T' && exit 2")
        defer { plugin.teardown() }
        let handle = try await executor.submit(
            fixture.job("polled", "true", resources: NodeResources(memoryMebibytes: 100)))
        await #expect {
            _ = try await executor.poll([handle])
        } throws: { String(describing: $0).hasPrefix("cluster-generic executor: status failed (exit status 2)") }
    }

    @Test func teardownRunsTheCancelTemplate() async throws {
        guard await SlurmCluster.isReachable() else { return }
        let fixture = try JobFixture()
        defer { fixture.scratch.cleanUp() }
        let (plugin, executor) = try makeExecutor(status: Self.allStatus)
        let handle = try await executor.submit(
            fixture.job("left", "sleep 300", resources: NodeResources(memoryMebibytes: 100)))
        plugin.teardown()
        let squeue = try #require(
            ExecutableLookup.find("squeue", searchPath: ProcessInfo.processInfo.environment["PATH"]))
        var state = ""
        for _ in 0..<240 {
            state = try await ClusterCommand(
                executable: squeue, arguments: ["--noheader", "--states=all", "--jobs=\(handle.id)", "--format=%T"]
            ).run().output.trimmingBlanks
            if state == "CANCELLED" { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(state == "CANCELLED")
    }

    @Test func theBuiltLibraryIsAnExecutorPlugin() throws {
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronClusterGeneric.so"))
        #expect(plugin.name == "cluster-generic")
        let executorPlugin = try #require(plugin as? any NodeExecutorPlugin)
        #expect(throws: PluginSettingsError.missing(plugin: "cluster-generic", key: "submit")) {
            try executorPlugin.configure(PluginSettings(plugin: "cluster-generic"))
        }
    }
}
