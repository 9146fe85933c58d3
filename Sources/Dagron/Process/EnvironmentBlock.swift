#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A child's environment as `execve` takes it: every `NAME=value`
/// string in one buffer, NUL-terminated, built in one pass that also finds a
/// variable no process can take.
///
/// A node's attempt used to copy its variables into a new dictionary (to set
/// `PWD`), make a Swift string of each, `strdup` each and scan each again for
/// NUL bytes: about 120 allocations and three passes a spawn for a typical
/// environment of 40 variables. This is two allocations and one pass.
struct EnvironmentBlock: Sendable {
    /// The strings, each followed by a NUL.
    private var bytes: [UInt8] = []
    /// Where each string starts in `bytes`.
    private var starts: [Int] = []
    /// The first variable (in the dictionary's order) whose name holds a NUL
    /// byte or an `=`, or whose value holds a NUL byte: nothing can take it.
    private(set) var unusableName: String?

    /// The block of `variables`, with `override`'s value for its name (added
    /// if absent).
    init(_ variables: [String: String], override: (name: String, value: String)? = nil) {
        var size = 0
        for (name, value) in variables { size += name.utf8.count + value.utf8.count + 2 }
        if let override { size += override.name.utf8.count + override.value.utf8.count + 2 }
        bytes.reserveCapacity(size)
        starts.reserveCapacity(variables.count + 1)
        for (name, value) in variables where name != override?.name {
            append(name: name, value: value)
        }
        if let override { append(name: override.name, value: override.value) }
    }

    /// The block of `base`'s variables, except those `variables` names,
    /// followed by `variables` (their names must differ from one another).
    ///
    /// A node's block is its run's shared block (built once) with the node's
    /// own variables set: the shared bytes are copied, not built again from
    /// a dictionary, for every attempt.
    init(_ base: EnvironmentBlock, setting variables: [EnvironmentVariable]) {
        var size = base.bytes.count
        for variable in variables { size += variable.name.utf8.count + variable.value.utf8.count + 2 }
        bytes.reserveCapacity(size)
        starts.reserveCapacity(base.starts.count + variables.count)
        let replaced = variables.map { Array($0.name.utf8) }
        let baseStarts = base.starts
        base.bytes.withUnsafeBufferPointer { source in
            for (position, start) in baseStarts.enumerated() {
                let end = position + 1 < baseStarts.count ? baseStarts[position + 1] : source.count
                let entry = UnsafeBufferPointer(rebasing: source[start..<end])
                if replaced.contains(where: { Self.entry(entry, isNamed: $0) }) { continue }
                starts.append(bytes.count)
                bytes.append(contentsOf: entry)
            }
        }
        if let unusable = base.unusableName, !variables.contains(where: { $0.name == unusable }) {
            unusableName = unusable
        }
        for variable in variables { append(name: variable.name, value: variable.value) }
    }

    /// Whether `entry` (`NAME=value` and its NUL) sets the variable called `name`.
    private static func entry(_ entry: UnsafeBufferPointer<UInt8>, isNamed name: [UInt8]) -> Bool {
        guard entry.count > name.count, entry[name.count] == UInt8(ascii: "=") else { return false }
        return name.withUnsafeBufferPointer { name in
            name.isEmpty || memcmp(entry.baseAddress!, name.baseAddress!, name.count) == 0
        }
    }

    private mutating func append(name: String, value: String) {
        starts.append(bytes.count)
        let nameIsUsable = Self.append(name.utf8, to: &bytes) { $0 != 0 && $0 != UInt8(ascii: "=") }
        bytes.append(UInt8(ascii: "="))
        let valueIsUsable = Self.append(value.utf8, to: &bytes) { $0 != 0 }
        bytes.append(0)
        if unusableName == nil, !nameIsUsable || !valueIsUsable { unusableName = name }
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

    /// Calls `body` with the NULL-terminated array of the strings.
    mutating func withPointers<R>(_ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let starts = self.starts
        return bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                var pointers: [UnsafeMutablePointer<CChar>?] = starts.map { characters.baseAddress! + $0 }
                pointers.append(nil)
                return body(pointers)
            }
        }
    }
}
