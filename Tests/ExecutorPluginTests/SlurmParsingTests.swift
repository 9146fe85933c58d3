import ClusterJobSupport
@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

@testable import SlurmPlugin

/// What the slurm executor reads from Slurm's tools and what it passes to sbatch.
@Suite struct SlurmParsingTests {
    @Test func oddSqueueOutputIsSkippedNotTrapped() {
        let output =
            "\n|||\nnot a line\n12|\n|RUNNING|x\n13|RUNNING|2024-05-01T12:00:00|extra\n14|PENDING|2024-05-01T13:00:00\n15|WEIRD_NEW_STATE|N/A\n"
        let records = SlurmQueueListing.parse(output)
        #expect(records.keys.sorted() == ["13", "14", "15"])
        #expect(records["13"]?.jobState == .running(startedAt: SlurmTimestamp.seconds("2024-05-01T12:00:00")))
        // A pending job's start time is Slurm's estimate: dropped.
        #expect(records["14"]?.jobState == .queued)
        #expect(records["14"]?.startedAt == nil)
        #expect(records["15"]?.jobState == nil)
    }

    @Test func queueStatesMapToQueuedAndRunning() {
        for word in ["PENDING", "CONFIGURING"] { #expect(SlurmJobRecord(id: "1", state: word).jobState == .queued) }
        for word in ["RUNNING", "COMPLETING"] {
            #expect(SlurmJobRecord(id: "1", state: word).jobState == .running(startedAt: nil))
        }
    }

    @Test func finalStatesMapToEndings() {
        let cases: [(String, NodeJobOutcome.Ending)] = [
            ("COMPLETED", .succeeded), ("FAILED", .failed), ("OUT_OF_MEMORY", .failed), ("NODE_FAIL", .failed),
            ("BOOT_FAIL", .failed), ("TIMEOUT", .timedOut), ("DEADLINE", .timedOut), ("CANCELLED by 1000", .cancelled),
            ("CANCELLED+", .cancelled),
        ]
        for (word, ending) in cases {
            #expect(SlurmJobRecord(id: "7", state: word, exitCode: "0:0").outcome?.ending == ending, "\(word)")
        }
        #expect(SlurmJobRecord(id: "7", state: "CANCELLED by 0").outcome?.state == "CANCELLED")
        #expect(SlurmJobRecord(id: "7", state: "").outcome == nil)
        #expect(SlurmJobRecord(id: "7", state: "SOMETHING_NEW").jobState == nil)
    }

    @Test func exitCodeAndSignalComeFromExitCodeField() throws {
        let failed = try #require(SlurmJobRecord(id: "9", state: "FAILED", exitCode: "3:0").outcome)
        #expect(failed.exitCode == 3)
        #expect(failed.signal == nil)
        let killed = try #require(SlurmJobRecord(id: "9", state: "FAILED", exitCode: "0:9").outcome)
        #expect(killed.exitCode == nil)
        #expect(killed.signal == 9)
        for odd in ["", "x:y", "3:", "-1:0", "999:0", "1:2:3", "3:999"] {
            let outcome = try #require(SlurmJobRecord(id: "9", state: "FAILED", exitCode: odd).outcome)
            #expect(outcome.exitCode == nil && outcome.signal == nil, "\(odd)")
        }
    }

    @Test func sacctLinesGiveOutcomesWithTimes() throws {
        let output = """
            41|COMPLETED|0:0|2024-05-01T10:00:00|2024-05-01T10:00:05
            41.batch|COMPLETED|0:0|2024-05-01T10:00:00|2024-05-01T10:00:05
            42|FAILED|3:0|2024-05-01T10:00:00|2024-05-01T10:00:01
            43|CANCELLED by 0|0:15|Unknown|2024-05-01T10:00:02
            44|RUNNING|0:0|2024-05-01T10:00:00|Unknown
            garbage
            """
        let records = SlurmAccountingListing.parse(output)
        #expect(records.keys.sorted() == ["41", "42", "43", "44"])
        let done = try #require(records["41"]?.outcome)
        #expect(done.ending == .succeeded && done.exitCode == 0)
        #expect(try #require(done.finishedAt) - (try #require(done.startedAt)) == 5)
        #expect(records["42"]?.outcome?.exitCode == 3)
        #expect(records["43"]?.outcome?.ending == .cancelled)
        #expect(records["43"]?.outcome?.startedAt == nil)
        #expect(records["44"]?.outcome == nil)
        #expect(SlurmAccountingListing.saysAccountingIsOff("sacct: error: Slurm accounting storage is disabled\n"))
        #expect(!SlurmAccountingListing.saysAccountingIsOff("sacct: error: Problem talking to the database"))
    }

    @Test func scontrolOneLinersAreFilteredByID() throws {
        let output = """
            JobId=5 JobName=dagron-r UserId=u(1) JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 StartTime=2024-05-01T10:00:00 EndTime=2024-05-01T10:01:00 Command=/tmp/a b/JobState=COMPLETED WorkDir=/tmp/a b
            JobId=6 JobName=dagron-r JobState=COMPLETED ExitCode=0:0 StartTime=2024-05-01T10:00:00 EndTime=2024-05-01T10:00:01
            JobId=7 JobName=other JobState=FAILED ExitCode=1:0
            No jobs in the system
            """
        let records = SlurmControllerListing.parse(output, ids: ["5", "6", "8"])
        #expect(records.keys.sorted() == ["5", "6"])
        let timedOut = try #require(records["5"]?.outcome)
        #expect(timedOut.ending == .timedOut)
        #expect(timedOut.signal == 15)
        #expect(records["6"]?.outcome?.ending == .succeeded)
        #expect(SlurmControllerListing.parse("").isEmpty)
    }

    @Test func timestampsAreLocalTimeAndOddOnesAreNil() throws {
        var parts = tm()
        parts.tm_year = 2024 - 1900
        parts.tm_mon = 4
        parts.tm_mday = 1
        parts.tm_hour = 12
        parts.tm_min = 34
        parts.tm_sec = 56
        parts.tm_isdst = -1
        let expected = Double(mktime(&parts))
        #expect(SlurmTimestamp.seconds("2024-05-01T12:34:56") == expected)
        for odd in [
            "Unknown", "None", "N/A", "", "2024-05-01 12:34:56", "2024-13-01T00:00:00", "2024-05-01T25:00:00",
            "２０２４-05-01T12:34:56",
        ] {
            #expect(SlurmTimestamp.seconds(odd) == nil, "\(odd)")
        }
    }

    @Test func timeLimitRoundsUpToWholeMinutesAndRejectsNonsense() throws {
        #expect(try SlurmTimeLimit.minutes(0.5) == 1)
        #expect(try SlurmTimeLimit.minutes(60) == 1)
        #expect(try SlurmTimeLimit.minutes(61) == 2)
        #expect(try SlurmTimeLimit.minutes(7_200) == 120)
        for bad in [0, -1, .nan, .infinity, -.infinity, 1e300, 366 * 86_400.0] {
            #expect(throws: ClusterJobError.self, "\(bad)") { try SlurmTimeLimit.minutes(bad) }
        }
    }

    @Test func sbatchArgumentsCarryLogsDirectoryEnvironmentAndResources() throws {
        let job = NodeJob(
            runID: "r1", node: "train", attempt: 2, command: "true", environment: [:], workingDirectory: "/data/w d",
            runDirectory: "/runs/r1", standardOutputPath: "/runs/r1/logs/train.out",
            standardErrorPath: "/runs/r1/logs/train.err",
            resources: NodeResources(cpus: 4, memoryMebibytes: 4096, timeSeconds: 90, gpus: 2))
        var settings = try SlurmSettings(
            PluginSettings(
                plugin: "slurm",
                [
                    "partition": "gpu", "account": "proj", "qos": "high",
                    "extra_args": "[\"--exclusive\", \"--comment=a b\"]",
                ]))
        let script = BatchScript(for: job)
        #expect(script.scriptPath == "/runs/r1/executor/train.2.sh")
        #expect(script.exitFilePath == "/runs/r1/executor/train.2.exit")
        let arguments = try SlurmSubmission.arguments(for: job, script: script, settings: settings)
        #expect(
            arguments == [
                "--parsable", "--job-name=dagron-r1", "--output=/runs/r1/logs/train.out",
                "--error=/runs/r1/logs/train.err",
                "--open-mode=append", "--chdir=/data/w d", "--export=ALL", "--partition=gpu", "--account=proj",
                "--qos=high",
                "--cpus-per-task=4", "--mem=4096M", "--time=2", "--gres=gpu:2", "--exclusive", "--comment=a b",
                "/runs/r1/executor/train.2.sh",
            ])
        // Without resources.time, the node's timeout is the limit; without either, none.
        settings.extraArguments = []
        var timed = job
        timed.resources = NodeResources()
        timed.timeoutSeconds = 30
        #expect(try SlurmSubmission.arguments(for: timed, script: script, settings: settings).contains("--time=1"))
        timed.timeoutSeconds = nil
        #expect(
            !(try SlurmSubmission.arguments(for: timed, script: script, settings: settings)).contains {
                $0.hasPrefix("--time")
            })
        // `gpus: 0`, which the pipeline parser accepts, asks for no GPU: no --gres, not a refusal.
        timed.resources = NodeResources(gpus: 0)
        #expect(
            !(try SlurmSubmission.arguments(for: timed, script: script, settings: settings)).contains {
                $0.hasPrefix("--gres")
            })
        // A time limit or count Slurm cannot take fails the submission, naming it.
        for bad in [
            NodeResources(timeSeconds: .nan), NodeResources(timeSeconds: -5), NodeResources(cpus: 0),
            NodeResources(gpus: -1),
        ] {
            timed.resources = bad
            #expect(throws: ClusterJobError.self) {
                try SlurmSubmission.arguments(for: timed, script: script, settings: settings)
            }
        }
    }

    @Test func parsableOutputGivesTheJobID() throws {
        #expect(try SlurmSubmission.jobID(fromParsable: "4711\n") == "4711")
        #expect(try SlurmSubmission.jobID(fromParsable: "4711;cluster\n") == "4711")
        for bad in ["", "\n", "Submitted batch job 4711", "abc", "12 34"] {
            #expect(throws: ClusterJobError.self, "\(bad)") { try SlurmSubmission.jobID(fromParsable: bad) }
        }
    }
}
