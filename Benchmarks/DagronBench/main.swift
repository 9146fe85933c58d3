// Benchmarks mirroring the Python reference's bench_ref.py (dagron 0.1.1; see scripts/bench.sh), scenario for scenario.
// Prints `<scenario> <value> <unit>`; every value is the median of --repeat runs.
//
//   dagron-bench [--repeat N] [--only SCENARIO]
//   dagron-bench --peak-memory SCENARIO     (runs one scenario, prints peak RSS)
//   dagron-bench --all-plugins DIR [--plugins a,b]   (10k chain with bundled plugins)
//   dagron-bench --plugins-load DIR         (ms to load the five bundled plugins)
//   dagron-bench --isolated-recorder DIR [--plugins NAME]   (10k chain with event-recorder in-process, then isolated)
import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let repeatCount = Int(option("--repeat") ?? "5") ?? 5
let only = option("--only")

func median(_ measure: () -> Double) -> Double {
    let runs = (0..<repeatCount).map { _ in measure() }
    if arguments.contains("--verbose") {
        FileHandle.standardError.write(
            Data("runs: \(runs.map { String(format: "%.3f", $0) }.joined(separator: " "))\n".utf8))
    }
    let values = runs.sorted()
    return values[values.count / 2]
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let noop: HookCallback = { _ in }

/// ns per `fire` of an event with `callbacks` callbacks (priorities 100, 50, 0),
/// registered through a view that reports to `watch` when one is given (as
/// `dagron run` registers in-process plugins' callbacks).
func fireNanoseconds(callbacks: Int, iterations: Int, watch: HookCallbackWatch? = nil) -> Double {
    let root = HookRegistry()
    let hooks = watch.map { root.scoped(owner: "bench", watch: $0) } ?? root
    for priority in [100, 50, 0].prefix(callbacks) { hooks.register(.preNode, priority: priority, noop) }
    let context = HookContext(event: .preNode, nodeName: "x")
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for _ in 0..<iterations { hooks.fire(context) }
    }
    return seconds(elapsed) / Double(iterations) * 1e9
}

func buildDAG(shape: String, count: Int) -> DAG {
    let builder = DAGBuilder()
    for index in 0..<count { builder.addNode("n\(index)") }
    if shape == "chain" {
        for index in 0..<(count - 1) { builder.addEdge("n\(index)", "n\(index + 1)") }
    } else {
        builder.addNode("root")
        for index in 0..<count { builder.addEdge("root", "n\(index)") }
    }
    return try! builder.build()
}

/// Three no-op callbacks (priorities 100, 50, 0) on each of the 7 events.
func noopHooks() -> HookRegistry {
    let registry = HookRegistry()
    for event in HookEvent.lifecycle {
        for priority in [100, 50, 0] { registry.register(event, priority: priority, noop) }
    }
    return registry
}

/// µs per node of one execution of `tasks` over `dag` with 2 workers.
func timeExecution(_ dag: DAG, tasks: [String: NodeTask], hooks: HookRegistry?) -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    let result = DAGExecutor(dag, hooks: hooks, maxWorkers: 2).executeBlocking(tasks)
    let elapsed = clock.now - start
    precondition(result.failed == 0 && result.succeeded == tasks.count, "benchmark run failed")
    return seconds(elapsed) / Double(tasks.count) * 1e6
}

/// µs per node: `task` for every node (no-op by default), optionally 3
/// callbacks on each of the 7 events, 2 workers.
func executeMicrosecondsPerNode(shape: String, count: Int, withHooks: Bool, task: NodeTask = .sync { nil }) -> Double {
    let dag = buildDAG(shape: shape, count: count)
    var tasks: [String: NodeTask] = [:]
    for name in dag.nodeNames { tasks[name] = task }
    return timeExecution(dag, tasks: tasks, hooks: withHooks ? noopHooks() : nil)
}

/// A task that keeps its core busy for `micros` µs: what the second worker
/// buys tasks that do a little work.
func busyTask(micros: Int) -> NodeTask {
    .sync {
        let clock = ContinuousClock()
        let until = clock.now.advanced(by: .microseconds(micros))
        while clock.now < until {}
        return nil
    }
}

/// µs per node of a wide DAG of `count` no-op nodes plus one slow node, a
/// task that waits until every no-op task has run. While one worker sits in
/// it, the other must run the no-op tasks at full speed (it must not stand
/// by for a peer that completes nothing); same hooks, 2 workers.
func wideBesideSlowMicrosecondsPerNode(count: Int) -> Double {
    let builder = DAGBuilder()
    builder.addNode("root")
    builder.addNode("slow")
    builder.addEdge("root", "slow")
    for index in 0..<count {
        builder.addNode("n\(index)")
        builder.addEdge("root", "n\(index)")
    }
    let dag = try! builder.build()
    let ran = Atomic<Int>(0)
    let quick = NodeTask.sync {
        ran.add(1, ordering: .relaxed)
        return nil
    }
    var tasks: [String: NodeTask] = [:]
    for name in dag.nodeNames { tasks[name] = quick }
    tasks["slow"] = .sync {
        while ran.load(ordering: .relaxed) < count + 1 { usleep(50) }
        return nil
    }
    return timeExecution(dag, tasks: tasks, hooks: noopHooks())
}

let scenarios: [(String, String, () -> Double)] = [
    ("hook_fire_0cb", "ns", { fireNanoseconds(callbacks: 0, iterations: 2_000_000) }),
    ("hook_fire_3cb", "ns", { fireNanoseconds(callbacks: 3, iterations: 2_000_000) }),
    // Ours only: the same three callbacks, each watched by a HookCallbackWatch.
    (
        "hook_fire_3cb_watched", "ns",
        { fireNanoseconds(callbacks: 3, iterations: 2_000_000, watch: HookCallbackWatch()) }
    ),
    ("exec_chain_10k", "us", { executeMicrosecondsPerNode(shape: "chain", count: 10_000, withHooks: true) }),
    ("exec_chain_10k_nohooks", "us", { executeMicrosecondsPerNode(shape: "chain", count: 10_000, withHooks: false) }),
    ("exec_wide_10k", "us", { executeMicrosecondsPerNode(shape: "wide", count: 10_000, withHooks: true) }),
    ("exec_wide_10k_nohooks", "us", { executeMicrosecondsPerNode(shape: "wide", count: 10_000, withHooks: false) }),
    // Ours only: about exec_wide_10k's figure when the fast worker keeps going.
    ("exec_wide_10k_beside_slow", "us", { wideBesideSlowMicrosecondsPerNode(count: 10_000) }),
    // Ours only: 5 µs / 2 would be perfect; one worker alone takes about 6 µs.
    (
        "exec_wide_2k_busy_5us", "us",
        {
            executeMicrosecondsPerNode(shape: "wide", count: 2_000, withHooks: true, task: busyTask(micros: 5))
        }
    ),
]

/// Peak resident set size of this process, in MiB (VmHWM).
func peakResidentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return -1 }
    return kilobytes / 1024
}

// MARK: Plugins loaded through the real loader

/// Settings that let each bundled plugin start without touching the network
/// beyond loopback or writing outside a scratch folder.
func benchSettings(_ scratch: String) -> [String: PluginSettings] {
    [
        "logging": PluginSettings(
            plugin: "logging", ["file": scratch + "/log.jsonl", "format": "json", "level": "info"]),
        "timing": PluginSettings(plugin: "timing", ["output": scratch + "/timing.txt", "top": "10"]),
        "prometheus-text": PluginSettings(plugin: "prometheus-text", ["listen": "127.0.0.1:0"]),
        "slack-webhook": PluginSettings(
            plugin: "slack-webhook", ["webhook_url": "http://127.0.0.1:9/hook", "notify_on": "never"]),
        "dashboard": PluginSettings(plugin: "dashboard", ["port": "0", "open_browser": "false"]),
    ]
}

/// Loads `names` from `directory` through the loader into a fresh manager.
func loadPlugins(_ names: [String], from directory: String, scratch: String) -> PluginManager {
    let manager = PluginManager(warningHandler: { FileHandle.standardError.write(Data("bench: \($0)\n".utf8)) })
    let failures = manager.loadPlugins(
        named: names, settings: benchSettings(scratch), searchPath: PluginSearchPath([directory]))
    let initFailures = manager.initializeAll()
    guard failures.isEmpty, initFailures.isEmpty else {
        FileHandle.standardError.write(Data("bench: plugins failed to load: \(failures + initFailures)\n".utf8))
        exit(1)
    }
    return manager
}

func scratchDirectory() -> String {
    let path = NSTemporaryDirectory() + "dagron-bench-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// ms to discover, load and initialize the five bundled plugins, in a fresh process.
if let directory = option("--plugins-load") {
    let scratch = scratchDirectory()
    let clock = ContinuousClock()
    let start = clock.now
    let manager = loadPlugins(
        ["logging", "timing", "prometheus-text", "slack-webhook", "dashboard"], from: directory, scratch: scratch)
    let elapsed = clock.now - start
    manager.teardownAll()
    try? FileManager.default.removeItem(atPath: scratch)
    print("plugins_load_5 \(String(format: "%.2f", seconds(elapsed) * 1e3)) ms")
    exit(0)
}

/// µs per node of the 10k chain with logging (to a file), timing and
/// prometheus-text loaded through the loader (`--plugins a,b` measures a
/// subset, to see what each one costs).
if let directory = option("--all-plugins") {
    let scratch = scratchDirectory()
    let names =
        option("--plugins").map { $0.split(separator: ",").map(String.init) }
        ?? ["logging", "timing", "prometheus-text"]
    let manager = loadPlugins(names, from: directory, scratch: scratch)
    let dag = buildDAG(shape: "chain", count: 10_000)
    let task = NodeTask.sync { nil }
    var tasks: [String: NodeTask] = [:]
    for name in dag.nodeNames { tasks[name] = task }
    let value = median { timeExecution(dag, tasks: tasks, hooks: manager.hooks) }
    manager.teardownAll()
    try? FileManager.default.removeItem(atPath: scratch)
    print("exec_chain_10k_all_plugins \(String(format: "%.3f", value)) us")
    exit(0)
}

/// µs per node of the 10k chain with the event recorder (writing to a
/// file), in-process and isolated in a child `DIR/dagron`: the execution
/// alone (what the run waits for), and until the child has handled every
/// event and torn down (`_drained`).
if let directory = option("--isolated-recorder") {
    let scratch = scratchDirectory()
    let dag = buildDAG(shape: "chain", count: 10_000)
    let task = NodeTask.sync { nil }
    var tasks: [String: NodeTask] = [:]
    for name in dag.nodeNames { tasks[name] = task }
    // `--plugins NAME` measures another bundled plugin the same way.
    let plugin = option("--plugins") ?? "event-recorder"
    var settings = benchSettings(scratch)
    settings["event-recorder"] = PluginSettings(plugin: "event-recorder", ["file": scratch + "/events.jsonl"])
    let host = IsolatedPluginHost(executable: directory + "/dagron", arguments: ["plugins", "host-child"])
    func manager(isolated: Bool) -> PluginManager {
        let manager = PluginManager(warningHandler: { FileHandle.standardError.write(Data("bench: \($0)\n".utf8)) })
        let failures = manager.loadPlugins(
            named: [plugin], settings: settings, searchPath: PluginSearchPath([directory]),
            dropInNaming: .probe(
                IsolatedPluginProbe(executable: directory + "/dagron", arguments: ["plugins", "probe-child"]),
                cache: nil),
            isolation: isolated ? IsolationChoice(host: host) { _, _ in true } : nil)
        let initFailures = manager.initializeAll()
        guard failures.isEmpty, initFailures.isEmpty else {
            FileHandle.standardError.write(Data("bench: \(plugin) failed to load: \(failures + initFailures)\n".utf8))
            exit(1)
        }
        guard (manager.plugin(named: plugin) is IsolatedPlugin) == isolated else {
            FileHandle.standardError.write(
                Data("bench: \(plugin) was not loaded \(isolated ? "isolated" : "in-process")\n".utf8))
            exit(1)
        }
        return manager
    }
    /// CPU seconds (user + system) of this process, or of its reaped children.
    func cpuSeconds(_ who: Int32) -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(who), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
            usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
    for isolated in [false, true] {
        var executions: [Double] = []
        var drained: [Double] = []
        var hostCPU: [Double] = []
        var childCPU: [Double] = []
        for _ in 0..<repeatCount {
            let manager = manager(isolated: isolated)
            let clock = ContinuousClock()
            let (selfBefore, childrenBefore) = (cpuSeconds(RUSAGE_SELF.rawValue), cpuSeconds(RUSAGE_CHILDREN.rawValue))
            let start = clock.now
            executions.append(timeExecution(dag, tasks: tasks, hooks: manager.hooks))
            manager.teardownAll()
            drained.append(seconds(clock.now - start) / Double(tasks.count) * 1e6)
            hostCPU.append((cpuSeconds(RUSAGE_SELF.rawValue) - selfBefore) / Double(tasks.count) * 1e6)
            childCPU.append((cpuSeconds(RUSAGE_CHILDREN.rawValue) - childrenBefore) / Double(tasks.count) * 1e6)
            if isolated, manager.health.anyFailed {
                FileHandle.standardError.write(
                    Data("bench: the isolated recorder failed: \(manager.health.snapshot)\n".utf8))
                exit(1)
            }
            try? FileManager.default.removeItem(atPath: scratch + "/events.jsonl")
        }
        let label = plugin == "event-recorder" ? "recorder" : plugin
        let name = isolated ? "exec_chain_10k_isolated_\(label)" : "exec_chain_10k_\(label)"
        print("\(name) \(String(format: "%.3f", executions.sorted()[executions.count / 2])) us")
        print("\(name)_drained \(String(format: "%.3f", drained.sorted()[drained.count / 2])) us")
        if arguments.contains("--verbose") {
            print("\(name)_cpu_host \(String(format: "%.3f", hostCPU.sorted()[hostCPU.count / 2])) us")
            print("\(name)_cpu_child \(String(format: "%.3f", childCPU.sorted()[childCPU.count / 2])) us")
        }
    }
    try? FileManager.default.removeItem(atPath: scratch)
    exit(0)
}

// MARK: Scale (ScaleBenchmark.swift)

/// `--write-scale-pipeline FILE --count N`: the scale pipeline, for timing
/// `dagron validate` on it.
if let path = option("--write-scale-pipeline") {
    let count = Int(option("--count") ?? "100000") ?? 100_000
    do {
        try scalePipelineYAML(count: count).write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        FileHandle.standardError.write(Data("bench: cannot write \(path): \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

/// `--scale [--sizes 1000,10000,100000]`: the scale scenarios, each the
/// median of --repeat runs; `--scale-peak-memory N` runs one scale run of N
/// nodes in this fresh process and prints its peak RSS.
if arguments.contains("--scale") {
    let sizes = (option("--sizes") ?? "1000,10000,100000").split(separator: ",").compactMap { Int($0) }.filter {
        $0 > 0
    }
    for (name, unit, measure) in scaleScenarios(sizes: sizes) where only == nil || only == name {
        print("\(name) \(String(format: "%.3f", median(measure))) \(unit)")
        fflush(nil)
    }
    exit(0)
}
if let count = option("--scale-peak-memory").flatMap({ Int($0) }), count > 0 {
    _ = scaleRunMicrosecondsPerNode(scalePipelineYAML(count: count), count: count)
    let label = count % 1000 == 0 ? "\(count / 1000)k" : "\(count)"
    print("scale_run_\(label)_peak_rss \(String(format: "%.1f", peakResidentMiB())) MiB")
    exit(0)
}

if let scenario = option("--peak-memory") {
    guard let entry = scenarios.first(where: { $0.0 == scenario }) else {
        FileHandle.standardError.write(Data("unknown scenario \(scenario)\n".utf8))
        exit(2)
    }
    _ = entry.2()
    print("\(scenario)_peak_rss \(String(format: "%.1f", peakResidentMiB())) MiB")
    exit(0)
}

for (name, unit, measure) in scenarios where only == nil || only == name {
    let value = median(measure)
    print("\(name) \(String(format: unit == "ns" ? "%.1f" : "%.3f", value)) \(unit)")
    fflush(nil)
}
