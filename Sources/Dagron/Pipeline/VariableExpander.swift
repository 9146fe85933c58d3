import Foundation

/// Expands `${VAR}` and `${VAR:-default}` in a string from an environment;
/// `$$` stands for a literal `$`. Any other `$` is kept as it is.
///
/// ```swift
/// try VariableExpander(["HOOK": "https://x"]).expand("${HOOK}/notify")  // "https://x/notify"
/// ```
public struct VariableExpander: Sendable {
    /// A `${VAR}` without a default whose variable is not set (or a malformed reference).
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The variable is not set and the reference has no default.
        case unset(String)
        /// A `${` without its closing `}`, or an empty name.
        case malformed(String)

        /// A sentence naming the variable.
        public var description: String {
            switch self {
            case .unset(let name):
                "environment variable '\(name)' is not set (write ${\(name):-default} to give a default)"
            case .malformed(let text): "malformed variable reference '\(text)': write ${NAME} or ${NAME:-default}"
            }
        }
    }

    /// The variables references are looked up in.
    public let environment: [String: String]

    /// Creates an expander over `environment`.
    public init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// `text` with every reference replaced.
    public func expand(_ text: String) throws(Failure) -> String {
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                output.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
                continue
            }
            guard text[next] == "{" else {
                output.append(character)
                index = next
                continue
            }
            let bodyStart = text.index(after: next)
            guard let close = text[bodyStart...].firstIndex(of: "}") else {
                throw .malformed(String(text[index...]))
            }
            let body = text[bodyStart..<close]
            let name: Substring
            let fallback: Substring?
            if let separator = body.range(of: ":-") {
                name = body[..<separator.lowerBound]
                fallback = body[separator.upperBound...]
            } else {
                name = body
                fallback = nil
            }
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw .malformed(String(text[index...close]))
            }
            if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
                output += value
            } else if let fallback {
                output += fallback
            } else {
                throw .unset(String(name))
            }
            index = text.index(after: close)
        }
        return output
    }
}
