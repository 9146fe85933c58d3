/// "Did you mean ...?": the known name closest to a mistyped one.
///
/// Bounded so that a hostile file cannot make a message slow: words longer
/// than ``longestWord`` bytes get no suggestion, a candidate whose length
/// alone puts it out of reach is skipped, the edit distance is computed in a
/// band around the diagonal and abandoned once every entry of a row is past
/// the limit, and a caller making many suggestions shares one `budget` of
/// table cells among them.
enum NameSuggestion {
    /// Longer words get no suggestion.
    static let longestWord = 64

    /// The first of `candidates` at the smallest edit distance (in UTF-8
    /// bytes) from `word`, if that distance is at most a third of `word`'s
    /// length (at least 1); `nil` when none is, or when `budget` runs out
    /// first. `budget` is lowered by the cells computed.
    static func closest(to word: String, among candidates: [String], budget: inout Int) -> String? {
        let target = Array(word.utf8)
        guard target.count <= longestWord else { return nil }
        var limit = max(1, target.count / 3)
        var best: String?
        for candidate in candidates {
            guard budget > 0 else { break }
            guard abs(candidate.utf8.count - target.count) <= limit else { continue }
            let distance =
                candidate.utf8.withContiguousStorageIfAvailable {
                    boundedDistance(target, $0, limit: limit, budget: &budget)
                } ?? boundedDistance(target, Array(candidate.utf8), limit: limit, budget: &budget)
            guard distance <= limit else { continue }
            best = candidate
            // Only a strictly closer candidate can replace this one.
            guard distance > 0 else { break }
            limit = distance - 1
        }
        return best
    }

    /// The same, with a budget of its own (a single suggestion among a few
    /// names, such as a mapping's allowed keys).
    static func closest(to word: String, among candidates: [String]) -> String? {
        var budget = 1_000_000
        return closest(to: word, among: candidates, budget: &budget)
    }

    /// The Levenshtein distance of `a` and `b` if it is at most `limit`,
    /// else some value above `limit`: only cells within `limit` of the
    /// diagonal are computed, and the search ends at a row past it.
    static func boundedDistance<B: RandomAccessCollection<UInt8>>(
        _ a: [UInt8], _ b: B, limit: Int, budget: inout Int
    ) -> Int where B.Index == Int {
        let n = a.count
        let m = b.count
        let beyond = limit + 1
        if n == 0 || m == 0 { return max(n, m) <= limit ? max(n, m) : beyond }
        let start = b.startIndex
        // previous[j]: the distance of a[..<i-1] and b[..<j]; `beyond` outside the band.
        var previous = [Int](repeating: beyond, count: m + 1)
        var current = [Int](repeating: beyond, count: m + 1)
        for j in 0...min(m, limit) { previous[j] = j }
        for i in 1...n {
            let low = max(1, i - limit)
            let high = min(m, i + limit)
            guard low <= high else { return beyond }
            budget -= high - low + 1
            current[low - 1] = low == 1 && i <= limit ? i : beyond
            var rowBest = current[low - 1]
            for j in low...high {
                let substitution = previous[j - 1] + (a[i - 1] == b[start + j - 1] ? 0 : 1)
                let value = min(substitution, previous[j] + 1, current[j - 1] + 1, beyond)
                current[j] = value
                rowBest = min(rowBest, value)
            }
            if high < m { current[high + 1] = beyond }
            guard rowBest <= limit else { return beyond }
            swap(&previous, &current)
        }
        return previous[m]
    }
}
