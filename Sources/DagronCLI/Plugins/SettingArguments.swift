import ArgumentParser

/// The `--set key=value` arguments of `dagron plugins info` and `check`:
/// settings for the plugin under inspection (no plugin-name prefix).
enum SettingArguments {
    /// The settings `arguments` give, the last value of a key winning.
    /// - Throws: a `ValidationError` naming an argument that is not `key=value`.
    static func parse(_ arguments: [String]) throws -> [String: String] {
        var values: [String: String] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw ValidationError("--set '\(argument)': expected key=value")
            }
            values[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
        }
        return values
    }
}
