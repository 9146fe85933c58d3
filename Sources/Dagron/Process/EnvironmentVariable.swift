/// One variable of a command's environment, set over the ones it shares
/// with other commands (see ``CommandEnvironment``). A struct, not a tuple:
/// arrays of it are copied by specialized code, not generic value witnesses.
struct EnvironmentVariable: Sendable, Equatable {
    /// The variable's name.
    var name: String
    /// Its value.
    var value: String
}
