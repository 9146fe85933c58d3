import Testing

@testable import Dagron

/// "Did you mean ...?" within bounds: the banded edit distance agrees with
/// the full table wherever it matters, and long words or a spent budget
/// give no suggestion rather than minutes of work.
@Suite struct NameSuggestionTests {
    /// The textbook Levenshtein distance over UTF-8 bytes.
    private func fullDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }

    @Test func theBandedDistanceAgreesWithTheFullTableWithinTheLimit() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abc".utf8)
        for _ in 0..<3000 {
            let a = (0..<Int.random(in: 0...9, using: &generator)).map { _ in alphabet.randomElement()! }
            let b = (0..<Int.random(in: 0...9, using: &generator)).map { _ in alphabet.randomElement()! }
            let limit = Int.random(in: 1...5, using: &generator)
            var budget = Int.max
            let banded = NameSuggestion.boundedDistance(a, b, limit: limit, budget: &budget)
            let full = fullDistance(a, b)
            if full <= limit {
                #expect(banded == full, "\(a) \(b) limit \(limit)")
            } else {
                #expect(banded > limit, "\(a) \(b) limit \(limit): \(banded), full \(full)")
            }
        }
    }

    @Test func theClosestNameIsTheFirstAtTheSmallestDistance() {
        #expect(NameSuggestion.closest(to: "extrct", among: ["load", "extract", "extracts"]) == "extract")
        #expect(NameSuggestion.closest(to: "ab", among: ["xb", "ax"]) == "xb")
        #expect(NameSuggestion.closest(to: "retires", among: ["retries", "timeout"]) == "retries")
        #expect(NameSuggestion.closest(to: "zzzzzz", among: ["extract"]) == nil)
        #expect(NameSuggestion.closest(to: "", among: ["a"]) == "a")
    }

    @Test func longWordsAndASpentBudgetGiveNoSuggestion() {
        let long = String(repeating: "a", count: 65)
        #expect(NameSuggestion.closest(to: long, among: [long + "b"]) == nil)
        let fits = String(repeating: "a", count: 64)
        #expect(NameSuggestion.closest(to: fits, among: [fits + "b"]) == fits + "b")
        var spent = 0
        #expect(NameSuggestion.closest(to: "extrct", among: ["extract"], budget: &spent) == nil)
        // Thousands of similar long names: the budget ends the search.
        let names = (0..<5000).map { "\(fits.dropLast(5))\($0 + 10000)" }
        var budget = 100_000
        _ = NameSuggestion.closest(to: String(fits.dropLast(5)) + "x9999", among: names, budget: &budget)
        #expect(budget <= 0 && budget > -(64 * 43), "stops within one name's table of the budget: \(budget)")
    }
}
