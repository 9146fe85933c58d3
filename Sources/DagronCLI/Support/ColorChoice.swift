import ArgumentParser

/// `--color auto|always|never`: whether `dagron` colours what it prints.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Colour on a terminal (not `TERM=dumb`), unless `NO_COLOR` is set to a non-empty value.
    case auto
    /// Colour whatever the output is, `NO_COLOR` included (the command line wins).
    case always
    /// No colour.
    case never

    /// Whether to colour, for output that `isTerminal` or not, in `environment`.
    func usesColor(isTerminal: Bool, environment: [String: String]) -> Bool {
        switch self {
        case .always: true
        case .never: false
        case .auto:
            isTerminal && environment["TERM"] != "dumb" && (environment["NO_COLOR"] ?? "").isEmpty
        }
    }
}
