@_spi(DagronHost) import DagronSDK
import Foundation

/// Reads and validates pipeline files.
///
/// Every mistake is collected, not just the first, and each names the file,
/// line, column and key: unknown keys (with a suggestion), values of the
/// wrong type, numbers and durations outside ``PipelineLimits``, names too
/// long for a log file, NUL characters where a process cannot take them, a
/// node with both or neither of `run` and `gate`, unknown dependencies, and
/// cycles (with their path). Read from a file, each `cwd` must also be an
/// existing directory, resolved as ``Pipeline/workingDirectory(_:pipelineFile:)`` does.
///
/// ```swift
/// do {
///     let pipeline = try PipelineParser().parse(fileAt: "etl.yml")
/// } catch let error as PipelineError {
///     for issue in error.issues { print(issue) }   // etl.yml:7:5: nodes.load.after: ...
/// }
/// ```
public struct PipelineParser: Sendable {
    /// The keys allowed at the top level.
    public static let topLevelKeys = [
        "name", "max_workers", "fail_fast", "env", "executor", "nodes", "plugins", "plugin_failure",
    ]
    /// The keys allowed in a node.
    public static let nodeKeys = [
        "run", "gate", "after", "env", "cwd", "timeout", "retries", "retry_delay", "executor", "resources",
    ]
    /// The keys allowed in a node's `gate` mapping.
    public static let gateKeys = ["timeout", "message"]
    /// The keys allowed in a node's `retries` mapping.
    public static let retryKeys = ["count", "delay"]
    /// The keys allowed in a node's `resources` mapping.
    public static let resourceKeys = ["cpus", "mem", "time", "gpus"]

    /// The largest pipeline file read (64 MiB): a 100,000-node pipeline
    /// takes a few MiB.
    public static let maximumBytes = 64 << 20

    /// Creates a parser.
    public init() {}

    /// Reads and parses the file at `path`.
    /// - Throws: ``PipelineError`` (an unreadable file is one issue too).
    public func parse(fileAt path: String) throws(PipelineError) -> Pipeline {
        let text: String
        do {
            text = try UserTextFile(path: path).text(limit: Self.maximumBytes)
        } catch {
            let issue = PipelineIssue(
                file: path, line: 0, column: 0, key: "", message: error.message(for: "a pipeline file"))
            throw PipelineError(issues: [issue])
        }
        return try parse(text, file: path, checkingDirectories: true)
    }

    /// Parses pipeline YAML; `file` is used for the name and in messages.
    /// - Parameter checkingDirectories: Whether each node's `cwd` must exist
    ///   as a directory, resolved against `file`'s folder (what
    ///   ``parse(fileAt:)`` checks; off for text that is not read from a file).
    /// - Throws: ``PipelineError``.
    public func parse(_ text: String, file: String, checkingDirectories: Bool = false) throws(PipelineError) -> Pipeline
    {
        var reader = Reader(file: file, text: text, checksDirectories: checkingDirectories)
        let pipeline = reader.read(text)
        guard reader.issues.isEmpty, let pipeline else {
            throw PipelineError(issues: reader.issues.sorted(by: Reader.order))
        }
        return pipeline
    }
}

/// The state of one parse: the file name and the issues found so far.
private struct Reader {
    let file: String
    /// The file's text, for hints about what is at a YAML error's position.
    let text: String
    let checksDirectories: Bool
    var issues: [PipelineIssue] = []
    /// Each node's `after` value, by node name, kept while reading the
    /// nodes so that messages about dependencies can point at it without
    /// searching the YAML mapping again (a linear search per node).
    var afterNodes: [String: YAMLNode] = [:]
    /// Each node's `executor` value and its key path, by node name (for ``noteExecutor``).
    var executorNodes: [String: (value: YAMLNode, keyPath: String)] = [:]

    static func order(_ a: PipelineIssue, _ b: PipelineIssue) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    init(file: String, text: String, checksDirectories: Bool) {
        self.file = file
        self.text = text
        self.checksDirectories = checksDirectories
    }

    mutating func report(_ node: YAMLNode?, _ key: String, _ message: String) {
        // A key written with a NUL (`"a\0b"`) is shown escaped, not as a raw byte on the terminal.
        let shownKey = key.replacingOccurrences(of: "\0", with: "\\0")
        issues.append(
            PipelineIssue(
                file: file, line: node?.line ?? 0, column: node?.column ?? 0, key: shownKey, message: message)
        )
    }

    // MARK: Document

    mutating func read(_ text: String) -> Pipeline? {
        let root: YAMLNode?
        do {
            root = try YAMLComposer.compose(text)
        } catch {
            issues.append(error.issue(file: file, text: text))
            return nil
        }
        guard let root, let top = root.mapping else {
            report(root, "", "a pipeline file must be a mapping with a 'nodes' key")
            return nil
        }
        var pipeline = Pipeline(path: file, name: Self.defaultName(file), nodes: [])
        var nodesNode: YAMLNode?
        for (keyNode, value) in top {
            guard let key = scalarKey(keyNode, path: "") else { continue }
            switch key {
            case "name":
                if let name = string(value, key) {
                    if name.count > PipelineLimits.pipelineNameCharacters {
                        report(
                            value, key,
                            "the name has \(name.count) characters, at most \(PipelineLimits.pipelineNameCharacters) are allowed "
                                + "(it names the run directory)")
                    }
                    pipeline.name = name
                }
            case "max_workers":
                if let count = int(value, key, within: PipelineLimits.maxWorkers) { pipeline.maxWorkers = count }
            case "fail_fast":
                if let flag = bool(value, key) { pipeline.failFast = flag }
            case "env":
                pipeline.environment = environment(value, key)
            case "executor":
                if let name = executorName(value, key) {
                    pipeline.executor = name
                    noteExecutor(name, value, key, &pipeline)
                }
            case "nodes":
                nodesNode = value
            case "plugins":
                pipeline.plugins = plugins(value)
            case "plugin_failure":
                if let text = string(value, key) {
                    if let policy = PluginFailurePolicy(rawValue: text) {
                        pipeline.pluginFailure = policy
                    } else {
                        report(value, key, "expected continue or fail, got '\(text)'")
                    }
                }
            default:
                unknownKey(keyNode, key, path: "", allowed: PipelineParser.topLevelKeys)
            }
        }
        guard let nodesNode else {
            report(root, "nodes", "missing key 'nodes': a pipeline needs at least one node")
            return nil
        }
        pipeline.nodes = nodes(nodesNode)
        for position in pipeline.nodes.indices {
            if let name = pipeline.nodes[position].executor, let at = executorNodes[pipeline.nodes[position].name] {
                noteExecutor(name, at.value, at.keyPath, &pipeline)
            }
        }
        checkGraph(pipeline.nodes)
        return pipeline
    }

    static func defaultName(_ file: String) -> String {
        let base = (file as NSString).lastPathComponent
        let stem = (base as NSString).deletingPathExtension
        return stem.isEmpty ? "pipeline" : stem
    }

    // MARK: Nodes

    mutating func nodes(_ value: YAMLNode) -> [PipelineNode] {
        guard let mapping = value.mapping else {
            report(value, "nodes", "expected a mapping of node name to node, got \(describe(value))")
            return []
        }
        if mapping.isEmpty { report(value, "nodes", "a pipeline needs at least one node") }
        var result: [PipelineNode] = []
        result.reserveCapacity(mapping.count)
        afterNodes.reserveCapacity(mapping.count)
        for (keyNode, body) in mapping {
            guard let name = scalarKey(keyNode, path: "nodes") else { continue }
            if !Self.isValidName(name) {
                report(
                    keyNode, "nodes.\(name)",
                    "invalid node name: use letters, digits, '_', '-' and '.', not starting with '.' or '-'")
            } else if name.utf8.count > PipelineLimits.nodeNameBytes {
                report(
                    keyNode, "nodes.\(String(name.prefix(40)))...",
                    "the node name has \(name.utf8.count) characters, at most "
                        + "\(PipelineLimits.nodeNameBytes) are allowed (its log file is <name>\(PipelineLimits.logSuffix), a file name of at most 255 bytes)"
                )
            }
            if let node = node(name, keyNode, body) { result.append(node) }
        }
        return result
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != ".", first != "-" else { return false }
        // Bytes: the allowed characters are all ASCII, and a multi-byte
        // UTF-8 sequence holds no ASCII byte (CharacterSet cost ~1 µs a name).
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
                true
            default:
                false
            }
        }
    }

    mutating func node(_ name: String, _ keyNode: YAMLNode, _ body: YAMLNode) -> PipelineNode? {
        let path = "nodes.\(name)"
        guard let mapping = body.mapping else {
            report(body, path, "expected a mapping with 'run' or 'gate', got \(describe(body))")
            return nil
        }
        var node = PipelineNode(name: name, action: .run(command: ""), line: keyNode.line)
        var command: String?
        var gate: (message: String?, timeout: Double?)?
        var gateNode: YAMLNode?
        var misspeltAction = false
        for (key, value) in mapping {
            guard let field = scalarKey(key, path: path) else { continue }
            let keyPath = "\(path).\(field)"
            switch field {
            case "run":
                if let text = processString(value, keyPath, what: "a command") {
                    // Stops at the first other character (trimming copies the whole command).
                    if text.unicodeScalars.allSatisfy({ CharacterSet.whitespacesAndNewlines.contains($0) }) {
                        report(value, keyPath, "the command is empty")
                    }
                    command = text
                }
            case "gate":
                gate = self.gate(value, keyPath)
                gateNode = key
            case "after":
                node.after = stringList(value, keyPath)
                afterNodes[name] = value
            case "env":
                node.environment = environment(value, keyPath)
            case "cwd":
                node.workingDirectory = processString(value, keyPath, what: "a working directory")
                if checksDirectories, let cwd = node.workingDirectory { checkDirectory(cwd, value, keyPath) }
            case "timeout":
                node.timeoutSeconds = duration(value, keyPath, within: PipelineLimits.timeout)
            case "retries":
                if let retries = retries(value, keyPath) {
                    node.retries = retries.count
                    if let delay = retries.delay { node.retryDelaySeconds = delay }
                }
            case "retry_delay":
                if let delay = duration(value, keyPath, within: PipelineLimits.retryDelay) {
                    node.retryDelaySeconds = delay
                }
            case "executor":
                node.executor = executorName(value, keyPath)
                executorNodes[name] = (value, keyPath)
            case "resources":
                node.resources = resources(value, keyPath)
            default:
                unknownKey(key, field, path: path, allowed: PipelineParser.nodeKeys)
                let guess = NameSuggestion.closest(to: field, among: PipelineParser.nodeKeys)
                if guess == "run" || guess == "gate" { misspeltAction = true }
            }
        }
        switch (command, gate) {
        case (let command?, nil):
            node.action = .run(command: command)
        case (nil, let gate?):
            node.action = .gate(message: gate.message)
            if let timeout = gate.timeout { node.timeoutSeconds = timeout }
            if node.retries > 0 { report(gateNode, "\(path).retries", "a gate node cannot have retries") }
            if node.workingDirectory != nil || !node.environment.isEmpty || node.executor != nil
                || !node.resources.isEmpty
            {
                report(
                    gateNode, path, "a gate node runs no command: 'cwd', 'env', 'executor' and 'resources' do not apply"
                )
            }
        case (.some, .some):
            report(keyNode, path, "a node has either 'run' or 'gate', not both")
        case (nil, nil):
            // A malformed `run`/`gate`, or a typo of one, was reported already.
            if misspeltAction || mapping.contains(where: { $0.key.string == "run" || $0.key.string == "gate" }) {
                break
            }
            report(keyNode, path, "a node needs 'run' (a shell command) or 'gate' (an approval gate)")
        }
        return node
    }

    /// `gate: true`, `gate: "message"` or `gate: {timeout: 30m, message: "..."}`.
    mutating func gate(_ value: YAMLNode, _ path: String) -> (message: String?, timeout: Double?)? {
        if let mapping = value.mapping {
            var message: String?
            var timeout: Double?
            for (key, field) in mapping {
                guard let name = scalarKey(key, path: path) else { continue }
                switch name {
                case "timeout": timeout = duration(field, "\(path).timeout", within: PipelineLimits.timeout)
                case "message": message = string(field, "\(path).message")
                default: unknownKey(key, name, path: path, allowed: PipelineParser.gateKeys)
                }
            }
            return (message, timeout)
        }
        if let scalar = value.scalar {
            if value.resolvedTag == YAMLTag.bool, let flag = value.bool {
                if !flag { report(value, path, "'gate: false' is not a gate; remove the key or give the node 'run'") }
                return (nil, nil)
            }
            return (scalar.string, nil)
        }
        report(
            value, path, "expected true, a message, or a mapping with 'timeout' and 'message', got \(describe(value))")
        return nil
    }

    /// `retries: 3` or `retries: {count: 3, delay: 5s}`.
    mutating func retries(_ value: YAMLNode, _ path: String) -> (count: Int, delay: Double?)? {
        if let mapping = value.mapping {
            var count = 0
            var delay: Double?
            for (key, field) in mapping {
                guard let name = scalarKey(key, path: path) else { continue }
                switch name {
                case "count": count = int(field, "\(path).count", within: PipelineLimits.retries) ?? 0
                case "delay": delay = duration(field, "\(path).delay", within: PipelineLimits.retryDelay)
                default: unknownKey(key, name, path: path, allowed: PipelineParser.retryKeys)
                }
            }
            return (count, delay)
        }
        return int(value, path, within: PipelineLimits.retries).map { ($0, nil) }
    }

    // MARK: Executors

    /// An executor's name: `local` or a plugin's name.
    mutating func executorName(_ value: YAMLNode, _ path: String) -> String? {
        guard let name = string(value, path) else { return nil }
        guard !name.isEmpty, Self.isValidName(name) else {
            report(
                value, path,
                "expected an executor's name (local, or an executor plugin's name such as slurm), got \(describe(value))"
            )
            return nil
        }
        return name
    }

    /// Remembers where an executor is first named (the value and its key
    /// path), for messages about it.
    func noteExecutor(_ name: String, _ value: YAMLNode, _ keyPath: String, _ pipeline: inout Pipeline) {
        guard pipeline.executorLocations[name] == nil else { return }
        pipeline.executorLocations[name] = "\(file):\(value.line):\(value.column)"
        pipeline.executorKeys[name] = keyPath
    }

    /// `resources: {cpus: 4, mem: 8G, time: 2h, gpus: 1}`.
    mutating func resources(_ value: YAMLNode, _ path: String) -> NodeResources {
        guard let mapping = value.mapping else {
            report(value, path, "expected a mapping with cpus, mem, time or gpus, got \(describe(value))")
            return NodeResources()
        }
        var resources = NodeResources()
        for (key, field) in mapping {
            guard let name = scalarKey(key, path: path) else { continue }
            let keyPath = "\(path).\(name)"
            switch name {
            case "cpus": resources.cpus = int(field, keyPath, within: PipelineLimits.cpus)
            case "gpus": resources.gpus = int(field, keyPath, within: PipelineLimits.gpus)
            case "time": resources.timeSeconds = duration(field, keyPath, within: PipelineLimits.timeout)
            case "mem":
                if field.scalar != nil, !field.isNull, let mebibytes = MemoryText.mebibytes(field.string ?? "") {
                    resources.memoryMebibytes = mebibytes
                } else {
                    report(
                        field, keyPath,
                        "expected an amount of memory \(MemoryText.range) such as 512M, 4G or 1.5T "
                            + "(a plain number is mebibytes), got \(describe(field))")
                }
            default: unknownKey(key, name, path: path, allowed: PipelineParser.resourceKeys)
            }
        }
        return resources
    }

    // MARK: Plugins

    mutating func plugins(_ value: YAMLNode) -> [PluginDeclaration] {
        if value.isNull { return [] }
        guard let mapping = value.mapping else {
            report(value, "plugins", "expected a mapping of plugin name to its settings, got \(describe(value))")
            return []
        }
        var result: [PluginDeclaration] = []
        for (keyNode, body) in mapping {
            guard let name = scalarKey(keyNode, path: "plugins") else { continue }
            let path = "plugins.\(name)"
            var declaration = PluginDeclaration(name: name, line: keyNode.line)
            if body.isNull {
                result.append(declaration)
                continue
            }
            if body.resolvedTag == YAMLTag.bool, body.bool == true {
                result.append(declaration)
                continue
            }
            guard let settings = body.mapping else {
                report(body, path, "expected the plugin's settings as a mapping (or nothing), got \(describe(body))")
                continue
            }
            for (settingKey, settingValue) in settings {
                guard let key = scalarKey(settingKey, path: path) else { continue }
                guard let scalar = settingValue.scalar else {
                    report(settingValue, "\(path).\(key)", "expected a single value, got \(describe(settingValue))")
                    continue
                }
                // `file: ~` would reach the plugin as the two characters of a
                // name; an empty `key:` stays an empty value.
                if settingValue.isNull, !scalar.string.isEmpty, settingValue.resolvedTag != YAMLTag.str {
                    report(
                        settingValue, "\(path).\(key)",
                        "expected a value, got nothing (null); quote it ('\(scalar.string)') to mean those characters")
                    continue
                }
                if scalar.string.unicodeScalars.contains("\0") {
                    report(
                        settingValue, "\(path).\(key)", "the value contains a NUL character, which no setting can hold")
                    continue
                }
                declaration.settings[key] = PluginDeclaration.Setting(
                    raw: scalar.string, line: settingValue.line, column: settingValue.column)
            }
            result.append(declaration)
        }
        return result
    }

    // MARK: Graph checks

    mutating func checkGraph(_ nodes: [PipelineNode]) {
        // Each name's first position: both the known names and the cycle
        // search's indices, one hash per node (the last store is the first position).
        var index: [String: Int] = [:]
        index.reserveCapacity(nodes.count)
        for position in nodes.indices.reversed() { index[nodes[position].name] = position }
        // Suggesting a name compares it with every node's; a file with many
        // unknown names gets suggestions for the first few only.
        var suggestionsLeft = 20
        // Table cells all of them may compute together (a fraction of a second).
        var suggestionBudget = 20_000_000
        var candidates: [String]?  // every node's name, listed once when first needed
        // By index: iterating the nodes themselves copies each one.
        for position in nodes.indices where !nodes[position].after.isEmpty {
            let name = nodes[position].name
            let after = nodes[position].after
            var seen: Set<String>?
            for (offset, dependency) in after.enumerated() {
                if dependency == name {
                    report(afterNodes[name], "nodes.\(name).after", "a node cannot depend on itself")
                } else if index[dependency] == nil {
                    var hint = ""
                    if suggestionsLeft > 0 {
                        suggestionsLeft -= 1
                        if candidates == nil { candidates = Array(index.keys) }
                        hint =
                            NameSuggestion.closest(
                                to: dependency, among: candidates ?? [], budget: &suggestionBudget
                            ).map {
                                " (did you mean '\($0)'?)"
                            } ?? ""
                    }
                    report(afterNodes[name], "nodes.\(name).after", "unknown node '\(dependency)'\(hint)")
                } else if Self.isRepeated(dependency, at: offset, in: after, seen: &seen) {
                    report(afterNodes[name], "nodes.\(name).after", "'\(dependency)' is listed twice")
                }
            }
        }
        if let cycle = Self.findCycle(nodes, index: index) {
            let closing = cycle[cycle.count - 2]
            report(
                afterNodes[closing], "nodes.\(closing).after",
                "cycle: " + cycle.joined(separator: " -> ") + " (a node would wait for itself)")
        }
    }

    /// Whether `after[offset]` (a known node, not the node itself) is an
    /// earlier known entry again: a look back for short lists, a set of the
    /// known entries so far (`seen`, built on first use) for long ones.
    static func isRepeated(_ dependency: String, at offset: Int, in after: [String], seen: inout Set<String>?) -> Bool {
        guard after.count > 16 else { return after[..<offset].contains(dependency) }
        if seen == nil { seen = Set(minimumCapacity: after.count) }
        return seen?.insert(dependency).inserted == false
    }

    /// A dependency cycle as a path that starts and ends with the same node
    /// (`a -> b -> a` means b runs after a and a after b), or `nil`: the
    /// DAG's own cycle finder (``DAG/cycle(predecessors:)``), so a file is
    /// refused with the same cycle `DAG` would report. `index` is each
    /// name's first position; unknown names and a node's own name are no dependency.
    static func findCycle(_ nodes: [PipelineNode], index: [String: Int]) -> [String]? {
        let predecessors: [[Int]] = nodes.map { node in
            node.after.compactMap { name in name != node.name ? index[name] : nil }
        }
        guard let cycle = DAG.cycle(predecessors: predecessors) else { return nil }
        let names = cycle.map { nodes[$0].name }
        return names + [names[0]]
    }

    // MARK: Values

    mutating func scalarKey(_ key: YAMLNode, path: String) -> String? {
        guard let scalar = key.scalar else {
            report(key, path, "keys must be plain names, got \(describe(key))")
            return nil
        }
        return scalar.string
    }

    mutating func unknownKey(_ key: YAMLNode, _ name: String, path: String, allowed: [String]) {
        let hint = NameSuggestion.closest(to: name, among: allowed).map { "did you mean '\($0)'? " } ?? ""
        // A key of thousands of characters is shown by its start (its line
        // and column say where it is).
        let shown = name.count > 80 ? "\(name.prefix(60))... (\(name.count) characters)" : name
        report(
            key, path.isEmpty ? shown : "\(path).\(shown)",
            "unknown key '\(shown)' (\(hint)allowed: \(allowed.joined(separator: ", ")))")
    }

    mutating func string(_ value: YAMLNode, _ path: String) -> String? {
        guard let scalar = value.scalar, !value.isNull || value.resolvedTag == YAMLTag.str else {
            report(value, path, "expected a string, got \(describe(value))")
            return nil
        }
        return scalar.string
    }

    mutating func int(_ value: YAMLNode, _ path: String, within bounds: IntegerBounds) -> Int? {
        guard value.scalar != nil, !value.isNull, let number = bounds.read(value.string ?? "") else {
            report(value, path, "expected an integer \(bounds), got \(describe(value))")
            return nil
        }
        return number
    }

    mutating func bool(_ value: YAMLNode, _ path: String) -> Bool? {
        guard value.resolvedTag == YAMLTag.bool, let flag = value.bool else {
            report(value, path, "expected true or false, got \(describe(value))")
            return nil
        }
        return flag
    }

    mutating func duration(_ value: YAMLNode, _ path: String, within bounds: DurationBounds) -> Double? {
        guard value.scalar != nil, !value.isNull, let seconds = DurationText.seconds(value.string ?? ""),
            bounds.contains(seconds)
        else {
            report(
                value, path,
                "expected a duration \(bounds)\(bounds.allowsZero ? "," : "") such as 30, 1.5s, 500ms, 5m or 1h, got \(describe(value))"
            )
            return nil
        }
        return seconds
    }

    /// A string a child process receives (a command, a directory): one
    /// holding a NUL character cannot be passed to it, so it is an issue here.
    mutating func processString(_ value: YAMLNode, _ path: String, what: String) -> String? {
        guard let text = string(value, path) else { return nil }
        guard !text.unicodeScalars.contains("\0") else {
            report(value, path, "\(what) cannot contain a NUL character")
            return nil
        }
        return text
    }

    /// Reports `cwd` unless it names an existing directory, resolved against the file's folder.
    mutating func checkDirectory(_ cwd: String, _ value: YAMLNode, _ path: String) {
        let resolved = Pipeline.workingDirectory(cwd, pipelineFile: file)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) {
            report(
                value, path,
                "directory '\(resolved)' does not exist (a relative cwd is resolved against the pipeline file's folder)"
            )
        } else if !isDirectory.boolValue {
            report(value, path, "'\(resolved)' is not a directory")
        }
    }

    mutating func stringList(_ value: YAMLNode, _ path: String) -> [String] {
        if value.scalar != nil, !value.isNull, let single = value.string { return [single] }
        guard let sequence = value.sequence else {
            report(value, path, "expected a node name or a list of node names, got \(describe(value))")
            return []
        }
        var names: [String] = []
        for item in sequence {
            guard item.scalar != nil, !item.isNull, let name = item.string else {
                report(item, path, "expected a node name, got \(describe(item))")
                continue
            }
            names.append(name)
        }
        return names
    }

    mutating func environment(_ value: YAMLNode, _ path: String) -> [String: String] {
        guard let mapping = value.mapping else {
            report(value, path, "expected a mapping of variable name to value, got \(describe(value))")
            return [:]
        }
        var result: [String: String] = [:]
        for (key, item) in mapping {
            guard let name = scalarKey(key, path: path) else { continue }
            if name.isEmpty || name.contains("=") || name.unicodeScalars.contains("\0") {
                report(
                    key, "\(path).\(name)",
                    "invalid environment variable name (it cannot be empty or hold '=' or a NUL character)")
                continue
            }
            guard let scalar = item.scalar, !item.isNull || item.resolvedTag == YAMLTag.str else {
                report(item, "\(path).\(name)", "expected a single value, got \(describe(item))")
                continue
            }
            guard !scalar.string.unicodeScalars.contains("\0") else {
                report(item, "\(path).\(name)", "an environment value cannot contain a NUL character")
                continue
            }
            result[name] = scalar.string
        }
        return result
    }

    func describe(_ node: YAMLNode) -> String {
        switch node.content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            if node.isNull && node.resolvedTag != YAMLTag.str { return "nothing (null)" }
            return "'\(scalar.string)'"
        }
    }
}
