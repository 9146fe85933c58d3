import Foundation
import TestSupport
import Testing

/// `dagron validate` checks what a pipeline says about executors before any
/// job is submitted: an executor no plugin provides, a hook plugin named as
/// one, the executor's settings and the nodes' `resources`. Each mistake is
/// exit 2 with `file:line:column: key:`, and `dagron run` refuses the same
/// file before anything runs. No cluster is needed: nothing reaches it.
@Suite struct ExecutorValidationTests {
    private let plugins = ["--plugin-path", DagronBinary.directory]

    /// `validate` refuses `yaml` with exit 2 and every one of `mentions`; `run` refuses it too, running nothing.
    private func expectRefused(
        _ yaml: String, mentioning mentions: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", yaml)
        let validate = try dagron(["validate", "p.yml"] + plugins, in: scratch.path)
        #expect(validate.signal == nil, "validate: killed by signal", sourceLocation: sourceLocation)
        #expect(
            validate.status == 2, "validate: exit \(validate.status)\n\(validate.stderr)",
            sourceLocation: sourceLocation)
        #expect(validate.stdout.isEmpty, "validate printed: \(validate.stdout)", sourceLocation: sourceLocation)
        for mention in mentions {
            #expect(
                validate.stderr.contains(mention), "validate: no '\(mention)' in:\n\(validate.stderr)",
                sourceLocation: sourceLocation)
        }
        let run = try dagron(["run", "p.yml", "--run-dir", "run"] + plugins, in: scratch.path)
        #expect(run.status == 2, "run: exit \(run.status)\n\(run.stderr)", sourceLocation: sourceLocation)
        #expect(
            run.stderr.contains(mentions[0]), "run: no '\(mentions[0])' in:\n\(run.stderr)",
            sourceLocation: sourceLocation)
        #expect(scratch.read("ran") == nil, "a node ran", sourceLocation: sourceLocation)
        #expect(
            !FileManager.default.fileExists(atPath: scratch.path + "/run"), "run made a run directory",
            sourceLocation: sourceLocation)
    }

    @Test func anExecutorNoPluginProvidesIsRefusedAtItsKey() throws {
        try expectRefused(
            """
            executor: pbs-nowhere
            nodes:
              a: {run: touch ran}
            """,
            mentioning: ["p.yml:1:11: executor: executor 'pbs-nowhere' is not available"])
        try expectRefused(
            """
            nodes:
              a: {run: touch ran}
              b:
                run: touch ran
                executor: lsf-nowhere
            """,
            mentioning: ["p.yml:5:15: nodes.b.executor: executor 'lsf-nowhere' is not available"])
    }

    @Test func aHookPluginNamedAsExecutorIsRefused() throws {
        try expectRefused(
            """
            nodes:
              a: {run: touch ran, executor: timing}
            """,
            mentioning: [
                "p.yml:2:33: nodes.a.executor: plugin 'timing' is not an executor plugin: it provides hooks"
            ])
    }

    @Test func badSlurmSettingsAreRefusedWithTheirKey() throws {
        try expectRefused(
            """
            executor: slurm
            plugins:
              slurm:
                poll_interval: [1, 2]
            nodes:
              a: {run: touch ran}
            """,
            mentioning: ["p.yml:4:20: plugins.slurm.poll_interval: expected a single value, got a list"])
        try expectRefused(
            """
            executor: slurm
            plugins:
              slurm:
                poll_interval: 10ms
            nodes:
              a: {run: touch ran}
            """,
            mentioning: ["p.yml:4:20: plugins.slurm.poll_interval:", "from 100ms to 10 minutes"])
        try expectRefused(
            """
            executor: slurm
            plugins:
              slurm:
                partition: two words
            nodes:
              a: {run: touch ran}
            """,
            mentioning: ["p.yml:4:16: plugins.slurm.partition:", "expected one word"])
        try expectRefused(
            """
            executor: slurm
            plugins:
              slurm:
                partitoin: debug
            nodes:
              a: {run: touch ran}
            """,
            mentioning: ["p.yml:4:16: plugins.slurm.partitoin: plugin 'slurm': unknown setting 'partitoin'"])
    }

    @Test func badResourcesAreRefusedWithTheirKey() throws {
        try expectRefused(
            """
            executor: slurm
            nodes:
              a:
                run: touch ran
                resources: {cpus: -1, mem: 12XB, time: .nan, gpus: -1}
              b:
                run: touch ran
                resources: {mem: -4G, time: 1e300}
            """,
            mentioning: [
                "p.yml:5:23: nodes.a.resources.cpus: expected an integer from 1 to 65536, got '-1'",
                "p.yml:5:32: nodes.a.resources.mem: expected an amount of memory from 1M to 1P",
                "p.yml:5:44: nodes.a.resources.time: expected a duration from 1ms to 365 days",
                "p.yml:5:56: nodes.a.resources.gpus: expected an integer from 0 to 1024, got '-1'",
                "p.yml:8:22: nodes.b.resources.mem: expected an amount of memory",
                "p.yml:8:33: nodes.b.resources.time: expected a duration", "got '1e300'",
            ])
    }

    @Test func zeroGPUsIsValidAndAsksForNone() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            executor: slurm
            nodes:
              a: {run: touch ran, resources: {cpus: 1, gpus: 0}}
            """)
        let validate = try dagron(["validate", "p.yml"] + plugins, in: scratch.path)
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("executors: slurm"), "\(validate.stdout)")
    }
}
