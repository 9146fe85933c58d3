import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs `dagron arguments...` to completion.
func dagron(_ arguments: [String], in directory: String, environment: [String: String] = [:], timeout: Double = 120) throws -> Finished {
    try DagronProcess(arguments, in: directory, environment: environment).wait(timeout: timeout)
}

/// A fresh temporary directory for one test, removed by `cleanUp()`.
struct Scratch {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "dagron-run-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// The contents of `name`, or `nil`.
    func read(_ name: String) -> String? {
        try? String(contentsOfFile: path + "/" + name, encoding: .utf8)
    }

    /// The run report the test asked `dagron run --run-dir run` to write.
    func report(_ runDir: String = "run") throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path + "/" + runDir + "/result.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The node entries of a JSON run report, by name.
func nodesByName(_ report: [String: Any]) -> [String: [String: Any]] {
    let nodes = report["nodes"] as? [[String: Any]] ?? []
    return Dictionary(uniqueKeysWithValues: nodes.map { ($0["name"] as? String ?? "", $0) })
}

/// Whether process `pid` is alive and not a zombie.
func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    // The state is the field after the parenthesised command name.
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].split(separator: " ").first ?? ""
    return state != "Z" && state != "X"
}
