import ArgumentParser

/// `--json`, as every command that reports takes it: the document goes to
/// standard output alone, messages and errors to standard error. What the
/// document holds is in each command's own help.
struct JSONOutputOption: ParsableArguments {
    @Flag(help: "Print the result as JSON on standard output (messages and errors go to standard error).")
    var json = false
}
