import Foundation

/// A pipeline read from a YAML file: named nodes (shell commands or approval
/// gates) with their dependencies, and the plugins to attach.
///
/// ```swift
/// let pipeline = try PipelineParser().parse(fileAt: "etl.yml")
/// let dag = try pipeline.makeDAG(hooks: manager.hooks)
/// ```
///
/// See `docs/run.md` for the file format.
public struct Pipeline: Sendable {
    /// The file the pipeline was read from, as given.
    public var path: String
    /// The pipeline's name: the `name` key, or the file name without extension.
    public var name: String
    /// The maximum number of nodes running at once, if the file sets `max_workers`.
    public var maxWorkers: Int?
    /// Whether the first failure skips every node that has not started and cancels the running ones
    /// (`fail_fast`, default `true`).
    public var failFast: Bool
    /// Environment variables every node gets (`env` at the top level).
    public var environment: [String: String]
    /// The nodes, in file order.
    public var nodes: [PipelineNode]
    /// The plugins the file enables, in file order, with their settings.
    public var plugins: [PluginDeclaration]
    /// What a plugin failure does to the run (`plugin_failure`), if the file says.
    public var pluginFailure: PluginFailurePolicy?
    /// The executor of the nodes that name none (`executor:` at the top
    /// level); `nil` for `local`.
    public var executor: String?
    /// Where `executor:` keys are written, for messages: the executor's name
    /// and the first `file:line:column` naming it.
    public var executorLocations: [String: String] = [:]
    /// The key of the `executor:` at each of ``executorLocations``
    /// (`executor`, `nodes.align.executor`), by executor name.
    public var executorKeys: [String: String] = [:]

    /// Creates a pipeline.
    public init(
        path: String, name: String, maxWorkers: Int? = nil, failFast: Bool = true,
        environment: [String: String] = [:], nodes: [PipelineNode], plugins: [PluginDeclaration] = []
    ) {
        self.path = path
        self.name = name
        self.maxWorkers = maxWorkers
        self.failFast = failFast
        self.environment = environment
        self.nodes = nodes
        self.plugins = plugins
    }

    /// The executor that runs `node`: its own `executor`, else the
    /// pipeline's, else `local`.
    public func executorName(of node: PipelineNode) -> String {
        node.executor ?? executor ?? "local"
    }

    /// The executors other than `local` that command nodes use, in file
    /// order: the plugins that must provide them.
    public var pluginExecutors: [String] {
        var seen = Set<String>()
        return nodes.filter { !$0.isGate }.map(executorName(of:)).filter { $0 != "local" && seen.insert($0).inserted }
    }

    /// The node called `name`.
    public func node(named name: String) -> PipelineNode? {
        nodes.first { $0.name == name }
    }

    /// The gate nodes, in file order.
    public var gateNodes: [PipelineNode] {
        nodes.filter(\.isGate)
    }

    /// Where a node whose `cwd` is `cwd` runs: `cwd` resolved against the
    /// folder of `pipelineFile`, or that folder when `cwd` is `nil` or empty.
    public static func workingDirectory(_ cwd: String?, pipelineFile: String) -> String {
        let base = URL(fileURLWithPath: InvocationDirectory.resolve(pipelineFile)).deletingLastPathComponent()
        guard let cwd, !cwd.isEmpty else { return base.path }
        return URL(fileURLWithPath: cwd, relativeTo: base).standardizedFileURL.path
    }

    /// The number of dependency edges.
    public var edgeCount: Int {
        nodes.reduce(0) { $0 + $1.after.count }
    }
}
