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
    /// one another; `shared` must be made from a dictionary).
    init(_ shared: EnvironmentBlock, setting variables: [EnvironmentVariable]) {
        self.shared = shared
        own = EnvironmentBlock(variables)
        var hidden: [Int] = []
        for variable in variables {
            if let position = shared.position(of: variable.name) { hidden.append(position) }
        }
        self.hidden = hidden
        let stillShared = shared.unusableNames.first { name in !variables.contains { $0.name == name } }
        unusableName = stillShared ?? own.unusableName
    }

    /// How many strings `execve` gets.
    var count: Int { shared.count - hidden.count + own.count }

    /// Calls `body` with the NULL-terminated array of the strings.
    func withPointers<R>(_ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        shared.withStrings { sharedStrings in
            own.withStrings { ownStrings in
                var pointers: [UnsafeMutablePointer<CChar>?] = []
                pointers.reserveCapacity(count + 1)
                for (position, string) in sharedStrings.enumerated() where !hidden.contains(position) {
                    pointers.append(UnsafeMutablePointer(mutating: string))
                }
                for string in ownStrings { pointers.append(UnsafeMutablePointer(mutating: string)) }
                pointers.append(nil)
                return body(pointers)
            }
        }
    }
}
