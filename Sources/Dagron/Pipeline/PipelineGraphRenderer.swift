import Foundation

/// Renders a pipeline's DAG as Graphviz DOT or a Mermaid flowchart.
///
/// ```swift
/// print(PipelineGraphRenderer(pipeline).render(.mermaid))
/// ```
///
/// Command nodes are boxes labelled with their name; gate nodes are diamonds
/// (DOT) or rhombi (Mermaid). Edges point from a dependency to its dependent.
public struct PipelineGraphRenderer: Sendable {
    /// An output format.
    public enum Format: String, Sendable, CaseIterable {
        /// Graphviz DOT.
        case dot
        /// A Mermaid `flowchart`.
        case mermaid
    }

    /// The pipeline.
    public let pipeline: Pipeline

    /// Creates a renderer.
    public init(_ pipeline: Pipeline) {
        self.pipeline = pipeline
    }

    /// The graph as text in `format`.
    public func render(_ format: Format) -> String {
        switch format {
        case .dot: dot()
        case .mermaid: mermaid()
        }
    }

    private func dot() -> String {
        var lines = ["digraph \(Self.dotQuoted(pipeline.name)) {", "  rankdir=LR;", "  node [shape=box];"]
        for node in pipeline.nodes {
            let shape = node.isGate ? " shape=diamond" : ""
            lines.append("  \(Self.dotQuoted(node.name)) [label=\(Self.dotQuoted(node.name))\(shape)];")
        }
        for node in pipeline.nodes {
            for dependency in node.after {
                lines.append("  \(Self.dotQuoted(dependency)) -> \(Self.dotQuoted(node.name));")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private func mermaid() -> String {
        var ids: [String: String] = [:]
        for (index, node) in pipeline.nodes.enumerated() { ids[node.name] = "n\(index)" }
        var lines = ["flowchart LR"]
        for node in pipeline.nodes {
            let id = ids[node.name]!
            let label = Self.mermaidLabel(node.name)
            lines.append(node.isGate ? "  \(id){\(label)}" : "  \(id)[\(label)]")
        }
        for node in pipeline.nodes {
            for dependency in node.after {
                guard let from = ids[dependency] else { continue }
                lines.append("  \(from) --> \(ids[node.name]!)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func dotQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func mermaidLabel(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "#quot;") + "\""
    }
}
