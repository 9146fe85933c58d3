#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A child's environment as `execve` takes it: every `NAME=value`
/// string in one buffer, NUL-terminated, built in one pass that also finds
/// the variables no process can take.
///
/// A node's attempt used to copy its variables into a new dictionary (to set
/// `PWD`), make a Swift string of each, `strdup` each and scan each again for
/// NUL bytes: about 120 allocations and three passes a spawn for a typical
/// environment of 40 variables. This is two allocations and one pass; a
/// pipeline run builds it once and each attempt sets its own variables over
/// it (``AttemptEnvironment``).
struct EnvironmentBlock: Sendable {
    /// The strings, each followed by a NUL.
    private var bytes: [UInt8] = []
    /// Where each string starts in `bytes`.
    private var starts: [Int] = []
    /// Where each variable's string is in `starts`, by name: only in a block
    /// made from a dictionary, which others are set over.
    private var positions: [String: Int] = [:]
    /// The variables whose name holds a NUL byte or an `=`, or whose value
    /// holds a NUL byte, in the block's order: nothing can take them.
    private(set) var unusableNames: [String] = []

    /// The first variable no process can take (see ``unusableNames``).
    var unusableName: String? { unusableNames.first }

    /// The block of `variables`.
    init(_ variables: [String: String]) {
        var size = 0
        for (name, value) in variables { size += name.utf8.count + value.utf8.count + 2 }
        bytes.reserveCapacity(size)
        starts.reserveCapacity(variables.count)
        positions.reserveCapacity(variables.count)
        for (name, value) in variables {
            positions[name] = starts.count
            append(name: name, value: value)
        }
    }

    /// The block of `variables` (their names must differ from one another), in their order.
    init(_ variables: [EnvironmentVariable]) {
        var size = 0
        for variable in variables { size += variable.name.utf8.count + variable.value.utf8.count + 2 }
        bytes.reserveCapacity(size)
        starts.reserveCapacity(variables.count)
        for variable in variables { append(name: variable.name, value: variable.value) }
    }

    /// How many strings the block holds.
    var count: Int { starts.count }

    /// Where the variable called `name` is among the block's strings (`nil`
    /// if it has none, or the block was not made from a dictionary).
    func position(of name: String) -> Int? {
        positions[name]
    }

    private mutating func append(name: String, value: String) {
        starts.append(bytes.count)
        let nameIsUsable = Self.append(name.utf8, to: &bytes) { $0 != 0 && $0 != UInt8(ascii: "=") }
        bytes.append(UInt8(ascii: "="))
        let valueIsUsable = Self.append(value.utf8, to: &bytes) { $0 != 0 }
        bytes.append(0)
        if !nameIsUsable || !valueIsUsable { unusableNames.append(name) }
    }

    /// Appends `text` to `bytes`; whether every byte passed `isUsable`.
    private static func append(
        _ text: String.UTF8View, to bytes: inout [UInt8], where isUsable: (UInt8) -> Bool
    ) -> Bool {
        let contiguous = text.withContiguousStorageIfAvailable { buffer -> Bool in
            bytes.append(contentsOf: buffer)
            return buffer.allSatisfy(isUsable)
        }
        if let contiguous { return contiguous }
        var usable = true
        for byte in text {
            bytes.append(byte)
            usable = usable && isUsable(byte)
        }
        return usable
    }

    /// Calls `body` with a pointer to each string, in the block's order,
    /// valid during the call only.
    func withStrings<R>(_ body: ([UnsafePointer<CChar>]) -> R) -> R {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                guard let base = characters.baseAddress else { return body([]) }
                return body(starts.map { base + $0 })
            }
        }
    }
}
