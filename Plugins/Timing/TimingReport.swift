import DagronSDK
import Foundation

/// The table and JSON document the `timing` plugin writes at `post_execute`.
struct TimingReport {
    /// One row: a node, its status, its duration, its share of the total.
    struct Row: Codable {
        var node: String
        var status: String
        var durationSeconds: Double
        var share: Double

        enum CodingKeys: String, CodingKey {
            case node, status, share
            case durationSeconds = "duration_seconds"
        }
    }

    /// The JSON file's shape.
    struct Document: Codable {
        var nodes: [Row]
        var totalNodeSeconds: Double
        var wallSeconds: Double?
        var criticalPath: [String]
        var criticalPathSeconds: Double

        enum CodingKeys: String, CodingKey {
            case nodes
            case totalNodeSeconds = "total_node_seconds"
            case wallSeconds = "wall_seconds"
            case criticalPath = "critical_path"
            case criticalPathSeconds = "critical_path_seconds"
        }
    }

    /// The slowest rows first (all of them, or the `rowLimit` slowest).
    let rows: [Row]
    /// How many nodes were timed.
    let nodeCount: Int
    let totalSeconds: Double
    let wallSeconds: Double?
    let criticalPath: [String]
    let criticalPathSeconds: Double

    /// Builds the report. With `rowLimit`, only that many rows (the slowest)
    /// are kept, found without sorting every node.
    init(timings: RunTimings, dag: DAG?, wallSeconds: Double?, rowLimit: Int? = nil) {
        let entries = timings.entries
        let total = entries.reduce(0) { $0 + $1.seconds }
        func row(_ entry: RunTimings.Entry) -> Row {
            Row(
                node: entry.node, status: entry.status, durationSeconds: entry.seconds,
                share: total > 0 ? entry.seconds / total : 0)
        }
        if let rowLimit {
            rows = Self.slowest(entries, count: rowLimit).map(row)
        } else {
            rows = entries.sorted(by: Self.slower).map(row)
        }
        nodeCount = entries.count
        totalSeconds = total
        self.wallSeconds = wallSeconds
        guard let dag, !entries.isEmpty else {
            criticalPath = []
            criticalPathSeconds = 0
            return
        }
        // Weights by DAG index; a node that did not run weighs nothing and is
        // left out of the path.
        var weights = Array(repeating: 0.0, count: dag.nodeCount)
        var ran = Array(repeating: false, count: dag.nodeCount)
        for entry in entries {
            guard let index = entry.index ?? dag.index(of: entry.node), weights.indices.contains(index) else {
                continue
            }
            weights[index] = entry.seconds
            ran[index] = true
        }
        let path = dag.longestPath(weights: weights).filter { ran[$0] }
        let names = dag.nodeNames
        criticalPath = path.map { names[$0] }
        criticalPathSeconds = path.reduce(0) { $0 + weights[$1] }
    }

    /// Whether `a` goes before `b` in the table: slower first, then by name.
    private static func slower(_ a: RunTimings.Entry, _ b: RunTimings.Entry) -> Bool {
        a.seconds != b.seconds ? a.seconds > b.seconds : a.node < b.node
    }

    /// The `count` slowest entries, slowest first: one pass keeping a sorted
    /// window (a full sort when `count` is large).
    private static func slowest(_ entries: [RunTimings.Entry], count: Int) -> [RunTimings.Entry] {
        guard count < 64 else { return Array(entries.sorted(by: slower).prefix(count)) }
        var window: [RunTimings.Entry] = []
        window.reserveCapacity(count + 1)
        for entry in entries {
            if window.count == count, let last = window.last, !slower(entry, last) { continue }
            var position = window.endIndex
            while position > 0 && slower(entry, window[position - 1]) { position -= 1 }
            window.insert(entry, at: position)
            if window.count > count { window.removeLast() }
        }
        return window
    }

    /// The human-readable table, the `top` slowest rows (all when `top` is 0).
    func table(top: Int) -> String {
        let shown = top > 0 ? Array(rows.prefix(top)) : rows
        let nameWidth = max(4, shown.map(\.node.count).max() ?? 0)
        let statusWidth = max(6, shown.map(\.status.count).max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        func left(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
        var lines: [String] = []
        var header = "timing: \(nodeCount) node\(nodeCount == 1 ? "" : "s"), node time \(Self.format(totalSeconds))"
        if let wallSeconds { header += ", wall time \(Self.format(wallSeconds))" }
        lines.append(header)
        lines.append(
            "\(pad("NODE", nameWidth))  \(pad("STATUS", statusWidth))  \(left("DURATION", 12))  \(left("SHARE", 7))")
        for row in shown {
            let share = String(format: "%.1f%%", row.share * 100)
            lines.append(
                "\(pad(row.node, nameWidth))  \(pad(row.status, statusWidth))  \(left(Self.format(row.durationSeconds), 12))  \(left(share, 7))"
            )
        }
        if shown.count < nodeCount {
            lines.append("... \(nodeCount - shown.count) faster node(s) not shown (setting 'top')")
        }
        if criticalPath.isEmpty {
            lines.append("critical path: none (no node ran)")
        } else {
            lines.append(
                "critical path (\(Self.format(criticalPathSeconds)), \(criticalPath.count) node\(criticalPath.count == 1 ? "" : "s")): "
                    + Self.abbreviated(criticalPath))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the JSON document to `path` through a temporary file and a rename.
    func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let document = Document(
            nodes: rows, totalNodeSeconds: totalSeconds, wallSeconds: wallSeconds,
            criticalPath: criticalPath, criticalPathSeconds: criticalPathSeconds)
        try encoder.encode(document).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The path as `a -> b -> c`; a path longer than 12 nodes shows its first
    /// and last five around `... (N more) ...` (the JSON file has all of it).
    static func abbreviated(_ path: [String]) -> String {
        guard path.count > 12 else { return path.joined(separator: " -> ") }
        return (path.prefix(5) + ["... (\(path.count - 10) more) ..."] + path.suffix(5)).joined(separator: " -> ")
    }

    /// `1.234s` for a second or more, `12.345ms` below.
    static func format(_ seconds: Double) -> String {
        seconds >= 1 ? String(format: "%.3fs", seconds) : String(format: "%.3fms", seconds * 1000)
    }
}
