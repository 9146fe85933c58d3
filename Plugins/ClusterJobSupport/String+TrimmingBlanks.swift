import Foundation

extension String {
    /// Without leading and trailing blanks and line breaks.
    public var trimmingBlanks: String {
        trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
