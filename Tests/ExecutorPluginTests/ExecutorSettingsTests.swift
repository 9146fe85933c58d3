import ClusterGenericPlugin
import ClusterJobSupport
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

@testable import SlurmPlugin

/// Bad settings of both executor plugins are refused in `configure`, naming the key.
@Suite struct ExecutorSettingsTests {
    private func slurmError(_ values: [String: String]) -> String {
        do {
            try SlurmExecutorPlugin().configure(PluginSettings(plugin: "slurm", values))
            return "accepted"
        } catch {
            return String(describing: error)
        }
    }

    private func genericError(_ values: [String: String]) -> String {
        do {
            try ClusterGenericExecutorPlugin().configure(PluginSettings(plugin: "cluster-generic", values))
            return "accepted"
        } catch {
            return String(describing: error)
        }
    }

    @Test func slurmRejectsBadValuesNamingTheKey() {
        #expect(slurmError(["partiton": "x"]) == "plugin 'slurm': unknown setting 'partiton'")
        #expect(
            slurmError(["extra_args": "[\"--exclusive\", 3]"]).hasPrefix(
                "plugin 'slurm': setting 'extra_args' is '[\"--exclusive\", 3]', expected a list of strings (item 2"))
        #expect(slurmError(["extra_args": "[true]"]).contains("setting 'extra_args'"))
        #expect(slurmError(["extra_args": "[\"a\", [\"b\"]]"]).contains("item 2 is a list"))
        #expect(slurmError(["extra_args": "--comment='unclosed"]).contains("setting 'extra_args'"))
        #expect(slurmError(["extra_args": "[not json"]).contains("setting 'extra_args'"))
        for bad in ["0", "-1", "nan", "inf", "1e300", "0.01", "2 s", "2x", "", "11m"] {
            #expect(
                slurmError(["poll_interval": bad]).hasPrefix("plugin 'slurm': setting 'poll_interval' is '\(bad)'"),
                "\(bad)")
        }
        #expect(slurmError(["partition": "a b"]).hasPrefix("plugin 'slurm': setting 'partition' is 'a b'"))
        #expect(slurmError(["sbatch": " "]).hasPrefix("plugin 'slurm': missing setting 'sbatch'"))
    }

    @Test func slurmAcceptsListsWordsAndDurations() throws {
        let settings = try SlurmSettings(
            PluginSettings(
                plugin: "slurm",
                [
                    "extra_args": "--exclusive '--comment=a b' --nice=10", "poll_interval": "1m30s",
                    "partition": " debug ",
                ]))
        #expect(settings.extraArguments == ["--exclusive", "--comment=a b", "--nice=10"])
        #expect(settings.pollInterval == 90)
        #expect(settings.partition == "debug")
        #expect(try SlurmSettings(PluginSettings(plugin: "slurm", ["poll_interval": "500ms"])).pollInterval == 0.5)
        #expect(try SlurmSettings(PluginSettings(plugin: "slurm", ["poll_interval": "3"])).pollInterval == 3)
        #expect(try SlurmSettings(PluginSettings(plugin: "slurm", [:])).pollInterval == 2)
    }

    @Test func slurmWithoutSbatchSaysHowToFixIt() throws {
        let settings = try SlurmSettings(PluginSettings(plugin: "slurm"))
        #expect(
            throws: ClusterJobError(
                "slurm executor: sbatch not found on PATH; install Slurm's client tools or set slurm.sbatch")
        ) {
            try SlurmTools(settings, searchPath: "/nonexistent-dagron-path")
        }
        let plugin = SlurmExecutorPlugin()
        try plugin.configure(PluginSettings(plugin: "slurm", ["sbatch": "/nonexistent/sbatch"]))
        #expect(
            throws: ClusterJobError(
                "slurm executor: sbatch not found ('/nonexistent/sbatch'); install Slurm's client tools or set slurm.sbatch"
            )
        ) {
            try plugin.makeExecutor()
        }
    }

    @Test func clusterGenericNeedsSubmitAndStatus() {
        #expect(
            genericError([:])
                == "plugin 'cluster-generic': missing setting 'submit' (set it under plugins.cluster-generic.submit or with --set cluster-generic.submit=...)"
        )
        #expect(
            genericError(["submit": "sbatch {script}"]).hasPrefix("plugin 'cluster-generic': missing setting 'status'"))
        #expect(
            genericError(["submit": "sbatch {script}", "status": "squeue", "cancel": ""]).hasPrefix(
                "plugin 'cluster-generic': missing setting 'cancel'"))
        #expect(
            genericError(["submit": "sbatch {script}", "status": "squeue", "poll_intervall": "2"])
                == "plugin 'cluster-generic': unknown setting 'poll_intervall'")
    }

    @Test func clusterGenericRejectsUnknownPlaceholdersNamingTheKey() {
        let submit = genericError(["submit": "sbatch {scrpit}", "status": "squeue"])
        #expect(
            submit.hasPrefix(
                "plugin 'cluster-generic': setting 'submit' is 'sbatch {scrpit}', expected a command template: unknown placeholder '{scrpit}'"
            ))
        // Status and cancel only know the query placeholders.
        #expect(genericError(["submit": "sbatch {script}", "status": "squeue -n {node}"]).contains("setting 'status'"))
        #expect(
            genericError(["submit": "sbatch {script}", "status": "squeue", "cancel": "scancel {script}"]).contains(
                "setting 'cancel'"))
        #expect(genericError(["submit": "sbatch {script", "status": "squeue"]).contains("a '{' is not closed"))
        #expect(
            genericError(["submit": "sbatch {script}", "status": "squeue", "poll_interval": "-2"]).hasPrefix(
                "plugin 'cluster-generic': setting 'poll_interval'"))
    }

    @Test func clusterGenericStatesAreCheckedNamingTheKey() {
        let base = ["submit": "sbatch {script}", "status": "squeue"]
        #expect(
            genericError(base.merging(["states": "PD=waiting"]) { $1 }).hasPrefix(
                "plugin 'cluster-generic': setting 'states' is 'PD=waiting', expected WORD=meaning pairs"))
        #expect(genericError(base.merging(["states": "PD"]) { $1 }).contains("'PD' is not WORD=meaning"))
        #expect(genericError(base.merging(["states": "{\"PD\": 1}"]) { $1 }).contains("'PD' is not given a string"))
        #expect(genericError(base.merging(["states": "{oops"]) { $1 }).contains("setting 'states'"))
        #expect(
            genericError(base.merging(["states": "PD=queued, Q=Running {\"x\""]) { $1 }).contains("setting 'states'"))
        #expect(genericError(base.merging(["states": "F=ended, PD=queued"]) { $1 }) == "accepted")
    }
}
