import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `dagron arguments...` in `directory` to completion (killed after `timeout` seconds).
public func dagron(
    _ arguments: [String], in directory: String, environment: [String: String] = [:], timeout: Double = 120
) throws -> Finished {
    try DagronProcess(arguments, in: directory, environment: environment).wait(timeout: timeout)
}

/// A fresh temporary directory for one test, removed by `cleanUp()`.
public struct Scratch: Sendable {
    /// The directory, absolute.
    public let path: String

    /// Creates the directory (mode 0755, so the plugin loader's checks accept it).
    public init() throws {
        path = NSTemporaryDirectory() + "dagron-run-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    /// Writes `text` to `name` inside the directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// The contents of `name`, or `nil`.
    public func read(_ name: String) -> String? {
        try? String(contentsOfFile: path + "/" + name, encoding: .utf8)
    }

    /// The run report the test asked `dagron run --run-dir run` to write.
    public func report(_ runDir: String = "run") throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path + "/" + runDir + "/result.json"))
        guard let report = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path + "/" + runDir + "/result.json"])
        }
        return report
    }

    /// Removes the directory and everything in it.
    public func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The node entries of a JSON run report, by name.
public func nodesByName(_ report: [String: Any]) -> [String: [String: Any]] {
    let nodes = report["nodes"] as? [[String: Any]] ?? []
    return Dictionary(uniqueKeysWithValues: nodes.map { ($0["name"] as? String ?? "", $0) })
}

/// Whether process `pid` is alive and not a zombie.
public func isRunning(_ pid: Int32) -> Bool {
    guard let state = processState(pid) else { return false }
    return state != "Z" && state != "X"
}

/// Process `pid`'s state letter in `/proc/<pid>/stat` (`R`, `S`, `T` for
/// stopped, `Z`...), or `nil` when there is no such process.
public func processState(_ pid: Int32) -> String? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
    // The state is the field after the parenthesised command name.
    guard let close = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: close)...].split(separator: " ").first.map(String.init)
}
