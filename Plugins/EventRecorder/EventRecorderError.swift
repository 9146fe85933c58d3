/// The recorder's file could not be opened for appending.
struct EventRecorderError: Error, CustomStringConvertible {
    /// The `file` setting, as resolved.
    let file: String
    /// The operating system's words (`Is a directory`, `Permission denied`).
    let reason: String

    var description: String { "cannot open the file '\(file)' (setting 'file') for appending: \(reason)" }
}
