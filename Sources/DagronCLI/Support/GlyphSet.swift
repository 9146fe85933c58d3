import Foundation

/// The symbols `dagron run` marks its lines with: Unicode on a UTF-8
/// locale, plain ASCII otherwise (a terminal in the C or POSIX locale, or a
/// Latin-1 one, would show Unicode symbols as garbage).
struct GlyphSet: Sendable, Equatable {
    /// A node that succeeded.
    var succeeded: String
    /// A node that failed.
    var failed: String
    /// A node that timed out.
    var timedOut: String
    /// A node that was skipped.
    var skipped: String
    /// A node that was cancelled.
    var cancelled: String
    /// A gate waiting for a decision.
    var waiting: String
    /// A gate decided.
    var resolved: String
    /// The margin of a quoted output line.
    var quote: String

    /// `✓ ✗ ⏱ - ⊘ ⏸ ⏵ │`.
    static let unicode = GlyphSet(
        succeeded: "✓", failed: "✗", timedOut: "⏱", skipped: "-", cancelled: "⊘", waiting: "⏸", resolved: "⏵",
        quote: "│")
    /// `ok FAIL TIME - x || > |`.
    static let ascii = GlyphSet(
        succeeded: "ok", failed: "FAIL", timedOut: "TIME", skipped: "-", cancelled: "x", waiting: "||", resolved: ">",
        quote: "|")

    /// The set for the locale `environment` names: the first of `LC_ALL`,
    /// `LC_CTYPE` and `LANG` that is set and not empty decides, as the C
    /// library does; Unicode when it names UTF-8, ASCII otherwise (nothing
    /// set is the C locale).
    static func forLocale(_ environment: [String: String]) -> GlyphSet {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? "C"
        let normalized = locale.lowercased().replacingOccurrences(of: "-", with: "")
        return normalized.contains("utf8") ? .unicode : .ascii
    }
}
