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

    /// The block of `variables` (their names must differ from one another),
    /// in their order, with `override` in place of the variable of its name
    /// (or after them all when none has it).
    init(_ variables: [EnvironmentVariable], replacing override: EnvironmentVariable? = nil) {
        var size = 0
        for variable in variables { size += variable.name.utf8.count + variable.value.utf8.count + 2 }
        if let override { size += override.name.utf8.count + override.value.utf8.count + 2 }
        bytes.reserveCapacity(size)
        starts.reserveCapacity(variables.count + 1)
        var replaced = false
        for variable in variables {
            if let override, variable.name == override.name {
                append(name: override.name, value: override.value)
                replaced = true
            } else {
                append(name: variable.name, value: variable.value)
            }
        }
        if let override, !replaced { append(name: override.name, value: override.value) }
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

    /// Calls `body` with the address of the block's bytes (`nil` when it
    /// is empty) and where each string starts in them, in the block's
    /// order; the address is valid during the call only.
    func withBytes<R>(_ body: (UnsafePointer<CChar>?, [Int]) -> R) -> R {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress, starts) }
        }
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
