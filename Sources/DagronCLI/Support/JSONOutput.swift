import Dagron
import Foundation

/// Prints the `--json` documents of `dagron`'s commands, encoded as every
/// JSON document dagron writes (pretty-printed, keys sorted, slashes left alone).
enum JSONOutput {
    /// `value` as the text `--json` prints.
    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try DocumentJSON.encoder().encode(value), as: UTF8.self)
    }

    /// Prints `value` on standard output.
    static func print(_ value: some Encodable) throws {
        Swift.print(try text(value))
    }

    /// Keeps standard output for the document alone, before any plugin code
    /// runs in this process or in a child that inherits descriptor 1: from
    /// then on anything else written there goes to standard error (see
    /// ``ReservedStandardOutput``).
    /// - Throws: ``ExitStatus/usage`` after printing why it could not.
    static func reserveStandardOutput() throws -> ReservedStandardOutput {
        do {
            return try ReservedStandardOutput.reserve()
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }
    }

    /// Writes `value`, as ``text(_:)`` gives it, to the reserved standard output.
    static func write(_ value: some Encodable, to output: ReservedStandardOutput) throws {
        output.writeAll(Data((try text(value) + "\n").utf8))
    }
}
