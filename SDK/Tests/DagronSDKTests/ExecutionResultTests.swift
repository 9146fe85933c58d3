@_spi(DagronHost) import DagronSDK
import Testing

@Suite("ExecutionResult")
struct ExecutionResultTests {
    private let ordered = [
        NodeResult(name: "a", status: .completed, durationSeconds: 0.5),
        NodeResult(name: "b", status: .failed, durationSeconds: 2),
        NodeResult(name: "c", status: .skipped, skipReason: "upstream 'b' did not complete (failed)"),
        NodeResult(name: "d", status: .timedOut, durationSeconds: 1),
        NodeResult(name: "e", status: .cancelled),
        NodeResult(name: "f", status: .completed, durationSeconds: 0.25),
    ]

    @Test("a result made from a list counts every status and finds nodes by name")
    func fromList() {
        let result = ExecutionResult(results: ordered, totalDurationSeconds: 3)
        #expect(result.results.map(\.name) == ["a", "b", "c", "d", "e", "f"])
        #expect((result.succeeded, result.failed, result.skipped, result.timedOut, result.cancelled) == (2, 1, 1, 1, 1))
        #expect(result.count(.pending) == 0 && result.count(.running) == 0)
        #expect(!result.isSuccess)
        #expect(result["b"]?.status == .failed)
        #expect(result["zzz"] == nil)
        #expect(Set(result.nodeResults.keys) == ["a", "b", "c", "d", "e", "f"])
        #expect(result.slowest(2).map(\.name) == ["b", "d"])
    }

    @Test("a result made from a dictionary, or given a new one, agrees with it")
    func fromDictionary() {
        var result = ExecutionResult(
            nodeResults: Dictionary(uniqueKeysWithValues: ordered.map { ($0.name, $0) }), totalDurationSeconds: 3)
        #expect(result.succeeded == 2 && result.results.count == 6)
        result.nodeResults = ["a": ordered[0]]
        #expect(result.isSuccess && result.succeeded == 1 && result.failed == 0)
        #expect(result.results.map(\.name) == ["a"])
        #expect(result["b"] == nil)
    }

    @Test("an empty execution succeeded, and copies share nothing mutable")
    func emptyAndCopies() {
        let empty = ExecutionResult(results: [], totalDurationSeconds: 0)
        #expect(empty.isSuccess && empty.nodeResults.isEmpty && empty.slowest(3).isEmpty)
        let original = ExecutionResult(results: ordered, totalDurationSeconds: 3)
        var copy = original
        copy.nodeResults = [:]
        #expect(original.results.count == 6 && original["a"] != nil)
        #expect(copy.results.isEmpty && copy.isSuccess)
    }

    @Test("the name index is built once, safely, when many threads ask at once")
    func concurrentNameLookups() async {
        let result = ExecutionResult(
            results: (0..<2_000).map { NodeResult(name: "n\($0)", status: .completed) }, totalDurationSeconds: 1)
        await withTaskGroup(of: Bool.self) { group in
            for worker in 0..<8 {
                group.addTask { (0..<2_000).allSatisfy { result["n\(($0 + worker * 250) % 2_000)"] != nil } }
            }
            for await found in group { #expect(found) }
        }
        #expect(result.nodeResults.count == 2_000)
    }
}
