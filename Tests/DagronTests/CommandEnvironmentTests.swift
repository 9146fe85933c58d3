import Testing

@testable import Dagron

/// A node's environment is its run's shared block with the node's own
/// variables set over it: the strings a process gets must be exactly those
/// of the merged dictionary, each name once.
@Suite("CommandEnvironment")
struct CommandEnvironmentTests {
    /// The `NAME=value` strings of `block`, in its order.
    private func strings(_ block: EnvironmentBlock) -> [String] {
        block.withStrings { strings in strings.map { String(cString: $0) } }
    }

    /// The `NAME=value` strings of an attempt's environment, in its order.
    private func strings(_ environment: AttemptEnvironment) -> [String] {
        let strings = environment.withPointers { pointers in pointers.compactMap { $0.map { String(cString: $0) } } }
        #expect(strings.count == environment.count)
        return strings
    }

    /// The strings a dictionary's block holds, sorted.
    private func expected(_ variables: [String: String]) -> [String] {
        variables.map { "\($0.key)=\($0.value)" }.sorted()
    }

    private let shared = CommandEnvironment.Shared([
        "PATH": "/usr/bin:/bin", "PATHEXT": ".sh", "HOME": "/root", "PWD": "/somewhere", "LANG": "C.UTF-8",
        "EMPTY": "", "UNICODE": "grüße ✓",
    ])

    @Test func theNodesOwnVariablesAreSetOverTheSharedOnes() {
        var environment = CommandEnvironment(
            shared: shared,
            own: [EnvironmentVariable(name: "HOME", value: "/home/node"), EnvironmentVariable(name: "NEW", value: "1")])
        environment.set("DAGRON_NODE", to: "a")
        environment.set("NEW", to: "2")
        var merged = shared.variables
        merged["HOME"] = "/home/node"
        merged["NEW"] = "2"
        merged["DAGRON_NODE"] = "a"
        #expect(environment.dictionary == merged)
        #expect(strings(environment.block()).sorted() == expected(merged))
        #expect(environment.dictionary["HOME"] == "/home/node")
        #expect(environment.dictionary["PATH"] == "/usr/bin:/bin")
        #expect(environment.dictionary["MISSING"] == nil)
        #expect(environment.searchPath == "/usr/bin:/bin")
        #expect(
            CommandEnvironment(shared: shared, own: [EnvironmentVariable(name: "PATH", value: "/opt")]).searchPath
                == "/opt")
        #expect(CommandEnvironment(shared: CommandEnvironment.Shared([:])).searchPath == nil)
    }

    @Test func anOverrideReplacesTheSharedAndTheNodesValue() {
        let environment = CommandEnvironment(
            shared: shared, own: [EnvironmentVariable(name: "PWD", value: "/from/node")])
        let block = strings(environment.block(override: ("PWD", "/work/dir")))
        #expect(block.filter { $0.hasPrefix("PWD=") } == ["PWD=/work/dir"])
        #expect(block.count == shared.variables.count)
        // The override is not kept by the environment itself.
        #expect(environment.dictionary["PWD"] == "/from/node")
    }

    @Test func anOverrideTakesTheNodesPlaceOrComesLast() {
        let environment = CommandEnvironment(
            shared: CommandEnvironment.Shared([:]),
            own: [
                EnvironmentVariable(name: "A", value: "1"), EnvironmentVariable(name: "PWD", value: "/node"),
                EnvironmentVariable(name: "B", value: "2"),
            ])
        #expect(strings(environment.block(override: ("PWD", "/work"))) == ["A=1", "PWD=/work", "B=2"])
        #expect(strings(environment.block(override: ("NEW", "x"))) == ["A=1", "PWD=/node", "B=2", "NEW=x"])
        #expect(strings(environment.block()) == ["A=1", "PWD=/node", "B=2"])
    }

    @Test func anOverrideHidesAnUnusableSharedVariableAndCanBeUnusableItself() {
        let hostile = CommandEnvironment.Shared(["PWD": "a\u{0}b", "OK": "1"])
        #expect(CommandEnvironment(shared: hostile).block().unusableName == "PWD")
        let replaced = CommandEnvironment(shared: hostile).block(override: ("PWD", "/work"))
        #expect(replaced.unusableName == nil)
        #expect(strings(replaced).sorted() == ["OK=1", "PWD=/work"])
        #expect(CommandEnvironment(shared: shared).block(override: ("PWD", "x\u{0}")).unusableName == "PWD")
    }

    @Test func removingANameKeepsTheNamesItPrefixes() {
        let environment = CommandEnvironment(
            shared: shared,
            own: [EnvironmentVariable(name: "PATH", value: "/opt/bin"), EnvironmentVariable(name: "P", value: "x")])
        let block = strings(environment.block())
        #expect(block.contains("PATHEXT=.sh"))
        #expect(block.contains("PATH=/opt/bin"))
        #expect(!block.contains("PATH=/usr/bin:/bin"))
        #expect(block.contains("P=x"))
        #expect(block.count == shared.variables.count + 1)
    }

    @Test func withNothingOfItsOwnANodeGetsTheSharedBlock() {
        let environment = CommandEnvironment(shared: shared)
        #expect(strings(environment.block()) == strings(shared.block))
        #expect(strings(environment.block()).sorted() == expected(shared.variables))
    }

    @Test func anUnusableVariableIsFoundWhereverItIs() {
        let hostile = CommandEnvironment.Shared(["GOOD": "1", "BAD": "a\u{0}b"])
        #expect(hostile.block.unusableName == "BAD")
        #expect(CommandEnvironment(shared: hostile).block().unusableName == "BAD")
        // Replaced by the node: nothing unusable is left.
        #expect(
            CommandEnvironment(shared: hostile, own: [EnvironmentVariable(name: "BAD", value: "fine")]).block()
                .unusableName == nil)
        // Two unusable shared variables, the node replacing one: the other is still found.
        let twoBad = CommandEnvironment.Shared(["BAD1": "a\u{0}", "BAD2": "b\u{0}", "GOOD": "1"])
        #expect(Set(twoBad.block.unusableNames) == ["BAD1", "BAD2"])
        for replaced in ["BAD1", "BAD2"] {
            let left = CommandEnvironment(shared: twoBad, own: [EnvironmentVariable(name: replaced, value: "fine")])
                .block().unusableName
            #expect(left == (replaced == "BAD1" ? "BAD2" : "BAD1"))
        }
        // The node's own.
        #expect(
            CommandEnvironment(shared: shared, own: [EnvironmentVariable(name: "A=B", value: "1")]).block().unusableName
                == "A=B")
        #expect(
            CommandEnvironment(shared: shared, own: [EnvironmentVariable(name: "X", value: "\u{0}")]).block()
                .unusableName == "X")
    }
}
