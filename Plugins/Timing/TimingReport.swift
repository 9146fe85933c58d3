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

    let rows: [Row]
    let totalSeconds: Double
    let wallSeconds: Double?
    let criticalPath: [String]
    let criticalPathSeconds: Double

    init(timings: RunTimings, dag: DAG?, wallSeconds: Double?) {
        var durations: [String: Double] = [:]
        durations.reserveCapacity(timings.entries.count)
        for entry in timings.entries { durations[entry.node] = entry.duration.seconds }
        let total = durations.values.reduce(0, +)
        rows = timings.entries
            .map { Row(node: $0.node, status: $0.status.rawValue, durationSeconds: $0.duration.seconds,
                       share: total > 0 ? $0.duration.seconds / total : 0) }
            .sorted { $0.durationSeconds != $1.durationSeconds ? $0.durationSeconds > $1.durationSeconds : $0.node < $1.node }
        totalSeconds = total
        self.wallSeconds = wallSeconds
        let path = dag.map { dag in dag.longestPath { durations[$0] ?? 0 }.filter { durations[$0] != nil } } ?? []
        criticalPath = path
        criticalPathSeconds = path.reduce(0) { $0 + (durations[$1] ?? 0) }
    }

    /// The human-readable table, the `top` slowest rows (all when `top` is 0).
    func table(top: Int) -> String {
        let shown = top > 0 ? Array(rows.prefix(top)) : rows
        let nameWidth = max(4, shown.map(\.node.count).max() ?? 0)
        let statusWidth = max(6, shown.map(\.status.count).max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        func left(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var lines: [String] = []
        var header = "timing: \(rows.count) node\(rows.count == 1 ? "" : "s"), node time \(Self.format(totalSeconds))"
        if let wallSeconds { header += ", wall time \(Self.format(wallSeconds))" }
        lines.append(header)
        lines.append("\(pad("NODE", nameWidth))  \(pad("STATUS", statusWidth))  \(left("DURATION", 12))  \(left("SHARE", 7))")
        for row in shown {
            let share = String(format: "%.1f%%", row.share * 100)
            lines.append("\(pad(row.node, nameWidth))  \(pad(row.status, statusWidth))  \(left(Self.format(row.durationSeconds), 12))  \(left(share, 7))")
        }
        if shown.count < rows.count {
            lines.append("... \(rows.count - shown.count) faster node(s) not shown (setting 'top')")
        }
        if criticalPath.isEmpty {
            lines.append("critical path: none (no node ran)")
        } else {
            lines.append("critical path (\(Self.format(criticalPathSeconds))): " + criticalPath.joined(separator: " -> "))
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

    /// `1.234s` for a second or more, `12.345ms` below.
    static func format(_ seconds: Double) -> String {
        seconds >= 1 ? String(format: "%.3fs", seconds) : String(format: "%.3fms", seconds * 1000)
    }
}
