/// The environment of one node's commands in a pipeline run: the variables
/// every node shares (the process's and the pipeline's), kept once for the
/// whole run with their ``EnvironmentBlock``, and the node's own on top.
///
/// A node's command is then given its environment by copying the shared
/// block and appending a handful of variables, instead of copying a
/// dictionary of every variable for each attempt and encoding it again.
/// ``dictionary`` gives the whole environment where one is needed (an
/// executor plugin's ``NodeJob``).
struct CommandEnvironment: Sendable {
    /// What every node of a run shares.
    final class Shared: Sendable {
        /// The variables.
        let variables: [String: String]
        /// Their block, built once.
        let block: EnvironmentBlock
        /// Their `PATH`, looked up once.
        let searchPath: String?

        /// The shared `variables`.
        init(_ variables: [String: String]) {
            self.variables = variables
            block = EnvironmentBlock(variables)
            searchPath = variables["PATH"]
        }
    }

    /// What every node shares.
    let shared: Shared
    /// The node's own variables, set over ``shared``'s; names unique.
    private(set) var own: [EnvironmentVariable]

    /// `shared` with `own` set over it (a later value of a name wins).
    init(shared: Shared, own: [EnvironmentVariable] = []) {
        self.shared = shared
        self.own = []
        for variable in own { set(variable.name, to: variable.value) }
    }

    /// Sets variable `name` (over the shared value, or a value set before).
    mutating func set(_ name: String, to value: String) {
        if let index = own.firstIndex(where: { $0.name == name }) {
            own[index].value = value
        } else {
            own.append(EnvironmentVariable(name: name, value: value))
        }
    }

    /// The value of `PATH`, where a command's program is searched for.
    var searchPath: String? {
        own.last(where: { $0.name == "PATH" })?.value ?? shared.searchPath
    }

    /// The whole environment as a dictionary.
    var dictionary: [String: String] {
        var variables = shared.variables
        for variable in own { variables[variable.name] = variable.value }
        return variables
    }

    /// The whole environment as `execve` takes it, with `override` set as well.
    func block(override: (name: String, value: String)? = nil) -> AttemptEnvironment {
        AttemptEnvironment(
            shared.block, setting: own, override: override.map { EnvironmentVariable(name: $0.name, value: $0.value) })
    }
}
