import Foundation

/// The directory `dagron` was started in, against which a run resolves its
/// relative paths (the run directory, the pipeline file, nodes' `cwd`).
///
/// A plugin shares the process, and with it the working directory: one
/// that changes it (a `chdir` in a library it calls) must not move where
/// the nodes run or where `result.json` and the logs are written. The
/// directory is read once, on first use; `dagron run` uses it before it
/// loads any plugin (``capture()``).
public enum InvocationDirectory {
    /// The absolute path, read when first asked for.
    public static let path: String = FileManager.default.currentDirectoryPath

    /// Reads the directory now, if it has not been read yet: call it before
    /// any plugin code runs.
    public static func capture() {
        _ = path
    }

    /// `relative` made absolute against ``path`` (an absolute path as is),
    /// without `.` and `..` components.
    public static func resolve(_ relative: String) -> String {
        URL(fileURLWithPath: relative, relativeTo: URL(fileURLWithPath: path, isDirectory: true))
            .standardizedFileURL.path
    }
}
