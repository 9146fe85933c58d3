import Foundation

/// The command lines of a `sh` code block of a Markdown file, found by the
/// HTML comment just above it (`<!-- walk-through: NAME ... -->`): how a
/// test runs the README's commands as the README writes them.
struct MarkedShellBlock {
    /// The block's non-empty lines, comments included, as written.
    let lines: [String]

    /// The block is missing, or not a `sh` block right below its marker.
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the block below `<!-- walk-through: name` in `file`.
    init(file: String, name: String) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let marker = "<!-- walk-through: \(name) "
        guard let markerRange = text.range(of: marker),
            let commentEnd = text.range(of: "-->\n", range: markerRange.upperBound..<text.endIndex),
            text[commentEnd.upperBound...].hasPrefix("```sh\n")
        else {
            throw Missing(
                description: "\(file): no `<!-- walk-through: \(name) ... -->` comment right above a sh block")
        }
        let start = text.index(commentEnd.upperBound, offsetBy: "```sh\n".count)
        guard let end = text.range(of: "\n```\n", range: start..<text.endIndex) else {
            throw Missing(description: "\(file): the sh block below '\(marker)' is not closed")
        }
        lines = text[start..<end.lowerBound].split(separator: "\n").map(String.init).filter {
            !$0.trimmingCharacters(in: .whitespaces).isEmpty
        }
    }
}
