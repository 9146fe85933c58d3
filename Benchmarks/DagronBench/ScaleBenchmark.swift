// Scale: a pipeline of 1k, 10k and 100k nodes through the paths `dagron
// validate` and `dagron run` take, with the commands replaced by no-op tasks.
import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation

/// The pipeline YAML of the scale scenarios: `count` nodes of `run: "true"`
/// in layers of 100, each node after the (up to) three nodes of the layer
/// before it that are closest to it: long chains with fan-in 3, 2 workers'
/// worth of parallelism, about three edges a node.
func scalePipelineYAML(count: Int) -> String {
    let width = 100
    var text = "name: scale\nmax_workers: 2\nnodes:\n"
    text.reserveCapacity(count * 64)
    for index in 0..<count {
        text += "  n\(index):\n    run: \"true\"\n"
        guard index >= width else { continue }
        let column = index % width
        let before = index - width
        var after = ["n\(before)"]
        if column > 0 { after.append("n\(before - 1)") }
        if column < width - 1 { after.append("n\(before + 1)") }
        text += "    after: [\(after.joined(separator: ", "))]\n"
    }
    return text
}

/// ms to parse and check the pipeline text (what `dagron validate` does
/// after reading the file).
func scaleValidateMilliseconds(_ text: String) -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    guard let pipeline = try? PipelineParser().parse(text, file: "scale.yml") else {
        FileHandle.standardError.write(Data("bench: the scale pipeline did not parse\n".utf8))
        exit(1)
    }
    let elapsed = clock.now - start
    precondition(!pipeline.nodes.isEmpty, "the scale pipeline has nodes")
    return seconds(elapsed) * 1e3
}

/// µs per node of a whole run of the pipeline text, as `dagron run` does it
/// without plugins: parse, write the run manifest, build the DAG (firing
/// the build events), execute on 2 workers with a no-op task per node,
/// build the report and write `result.json`.
func scaleRunMicrosecondsPerNode(_ text: String, count: Int) -> Double {
    let scratch = scratchDirectory() + "/scale-\(count)"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let clock = ContinuousClock()
    let start = clock.now
    do {
        let pipeline = try PipelineParser().parse(text, file: scratch + ".yml")
        let directory = RunDirectory(path: scratch)
        let runner = PipelineRunner(pipeline: pipeline, directory: directory, hooks: HookRegistry(), maxWorkers: 2)
        try runner.prepare()
        let dag = try runner.build()
        let task = NodeTask.sync { nil }
        var tasks: [String: NodeTask] = [:]
        tasks.reserveCapacity(dag.nodeCount)
        for name in dag.nodeNames { tasks[name] = task }
        let result = DAGExecutor(dag, hooks: runner.hooks, maxWorkers: runner.maxWorkers).executeBlocking(tasks)
        let report = RunReport(pipeline: pipeline, runDirectory: directory, result: result, interrupted: false)
        try report.writeJSON(to: directory.resultPath)
        precondition(result.succeeded == count, "scale run failed")
    } catch {
        FileHandle.standardError.write(Data("bench: the scale run failed: \(error)\n".utf8))
        exit(1)
    }
    return seconds(clock.now - start) / Double(count) * 1e6
}

/// The scale scenarios: `scale_validate_<n>` (ms) and `scale_run_per_node_<n>`
/// (µs) for each size, `<n>` written as 1k, 10k, 100k.
func scaleScenarios(sizes: [Int]) -> [(String, String, () -> Double)] {
    sizes.flatMap { count -> [(String, String, () -> Double)] in
        let label = count % 1000 == 0 ? "\(count / 1000)k" : "\(count)"
        let text = scalePipelineYAML(count: count)
        return [
            ("scale_validate_\(label)", "ms", { scaleValidateMilliseconds(text) }),
            ("scale_run_per_node_\(label)", "us", { scaleRunMicrosecondsPerNode(text, count: count) }),
        ]
    }
}
