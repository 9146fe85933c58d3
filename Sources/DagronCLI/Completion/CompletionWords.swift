import Foundation

/// The words of a command line being completed, as argument-parser hands
/// them to a custom completion (`dagron`, the subcommands, the arguments),
/// with what completions need from them.
struct CompletionWords {
    /// The words, the command's name first.
    let words: [String]

    /// The values given to `option` (`--option VALUE` and `--option=VALUE`), in order.
    func values(of option: String) -> [String] {
        var result: [String] = []
        for (index, word) in words.enumerated() {
            if word == option, index + 1 < words.count {
                result.append(words[index + 1])
            } else if word.hasPrefix(option + "=") {
                result.append(String(word.dropFirst(option.count + 1)))
            }
        }
        return result
    }

    /// The absolute `--plugin-path` directories given so far (a relative one
    /// is an error for the command itself, so it is left out here).
    var pluginPaths: [String] { values(of: "--plugin-path").filter { $0.hasPrefix("/") } }

    /// The first word naming an existing `.yml` or `.yaml` file: the pipeline.
    var pipelineFile: String? {
        words.dropFirst().first { word in
            (word.hasSuffix(".yml") || word.hasSuffix(".yaml")) && FileManager.default.fileExists(atPath: word)
        }
    }

    /// The word after `subcommand`, if it is not an option: the run
    /// directory of `gate approve RUN_DIR NAME`.
    func argument(after subcommand: String) -> String? {
        guard let index = words.firstIndex(of: subcommand), index + 1 < words.count else { return nil }
        let word = words[index + 1]
        return word.hasPrefix("-") || word.isEmpty ? nil : word
    }
}
