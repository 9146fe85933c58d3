/// A node attempt's environment as `execve` takes it: its run's shared
/// ``EnvironmentBlock`` less the variables the node sets, then the node's
/// own variables.
///
/// The shared strings are not copied: the array of pointers handed to
/// `execve` points into the shared block, and only the node's few
/// variables are encoded for the attempt. (Copying the shared block for
/// every attempt, and comparing each of its names with each of the node's,
/// was the largest part of preparing a spawn.)
struct AttemptEnvironment: Sendable {
    /// The run's shared block.
    private let shared: EnvironmentBlock
    /// The positions in `shared` of the variables the node sets.
    private let hidden: [Int]
    /// The node's variables.
    private let own: EnvironmentBlock
    /// The first variable no process can take: the shared block's (unless
    /// the node sets it), else the node's own.
    let unusableName: String?

    /// `shared` with `variables` set over it (their names must differ from
    /// one another; `shared` must be made from a dictionary), and
    /// `override` set over those.
    init(_ shared: EnvironmentBlock, setting variables: [EnvironmentVariable], override: EnvironmentVariable? = nil) {
        self.shared = shared
        own = EnvironmentBlock(variables, replacing: override)
        var hidden: [Int] = []
        hidden.reserveCapacity(variables.count + 1)
        for variable in variables where variable.name != override?.name {
            if let position = shared.position(of: variable.name) { hidden.append(position) }
        }
        if let override, let position = shared.position(of: override.name) { hidden.append(position) }
        self.hidden = hidden
        let stillShared = shared.unusableNames.first { name in
            name != override?.name && !variables.contains { $0.name == name }
        }
        unusableName = stillShared ?? own.unusableName
    }

    /// How many strings `execve` gets.
    var count: Int { shared.count - hidden.count + own.count }

    /// Calls `body` with the strings' addresses, NULL-terminated (the
    /// buffer's last element is `nil`), valid during the call only. The
    /// array is a temporary allocation (on the stack for any usual
    /// environment), not an array built for each spawn.
    func withPointers<R>(_ body: (UnsafeBufferPointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        shared.withBytes { sharedBase, sharedStarts in
            own.withBytes { ownBase, ownStarts in
                // Room for every string of both blocks, not only `count`:
                // the buffer can never be overrun, whatever `hidden` holds.
                let capacity = sharedStarts.count + ownStarts.count + 1
                return withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<CChar>?.self, capacity: capacity) {
                    pointers in
                    var next = 0
                    if let sharedBase {
                        for (position, start) in sharedStarts.enumerated() where !hidden.contains(position) {
                            pointers[next] = UnsafeMutablePointer(mutating: sharedBase + start)
                            next += 1
                        }
                    }
                    if let ownBase {
                        for start in ownStarts {
                            pointers[next] = UnsafeMutablePointer(mutating: ownBase + start)
                            next += 1
                        }
                    }
                    pointers[next] = nil
                    return body(UnsafeBufferPointer(start: pointers.baseAddress, count: next + 1))
                }
            }
        }
    }
}
