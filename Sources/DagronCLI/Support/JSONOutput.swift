import Foundation

/// Prints the `--json` documents of `dagron`'s commands: pretty-printed,
/// keys sorted, slashes left alone, so that the output is stable to diff.
enum JSONOutput {
    /// `value` as the text `--json` prints.
    static func text(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Prints `value` on standard output.
    static func print(_ value: some Encodable) throws {
        Swift.print(try text(value))
    }
}
