import Foundation
@preconcurrency import Rainbow

/// How `dagron run` dresses its lines: the ``GlyphSet`` for the locale and,
/// when ``ColorChoice`` says so, ANSI colour through Rainbow.
struct ConsoleStyle: Sendable {
    /// The symbols.
    let glyphs: GlyphSet
    /// Whether lines are coloured.
    let colored: Bool

    /// Colours of the parts of a line.
    enum Tone: Sendable {
        case success, failure, warning, muted, emphasis
    }

    /// A style from `--color`, whether the output is a terminal, and the
    /// environment (`NO_COLOR`, `TERM`, the locale).
    init(color: ColorChoice, isTerminal: Bool, environment: [String: String]) {
        glyphs = GlyphSet.forLocale(environment)
        colored = color.usesColor(isTerminal: isTerminal, environment: environment)
        if colored { Self.enableRainbow() }
    }

    /// `text` in `tone`'s colour, or as it is without colour.
    func paint(_ text: String, _ tone: Tone) -> String {
        guard colored, !text.isEmpty else { return text }
        switch tone {
        case .success: return text.green
        case .failure: return text.red
        case .warning: return text.yellow
        case .muted: return text.dim
        case .emphasis: return text.bold
        }
    }

    /// Rainbow decides from its own globals whether to emit codes (it looks
    /// at standard output and `NO_COLOR` once, at first use); dagron decides
    /// (``ColorChoice``) and only calls Rainbow when it colours, so the
    /// globals are set to "always" once, before the first coloured line.
    private static let rainbowEnabled: Bool = {
        Rainbow.outputTarget = .console
        Rainbow.enabled = true
        return true
    }()

    private static func enableRainbow() {
        _ = rainbowEnabled
    }
}
