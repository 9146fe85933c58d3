@_spi(DagronHost) import DagronSDK
import Foundation
import TestSupport

/// A run directory in a scratch folder and the ``NodeJob``s of its nodes.
struct JobFixture {
    let scratch: Scratch
    let runID: String

    init() throws {
        scratch = try Scratch()
        runID = "exec-test-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: runDirectory + "/logs", withIntermediateDirectories: true)
    }

    var runDirectory: String { scratch.path + "/run" }

    /// One attempt of `node` running `command` in the scratch folder, with dagron's environment plus `extra`.
    func job(
        _ node: String, _ command: String, attempt: Int = 1, resources: NodeResources = NodeResources(),
        extra: [String: String] = [:]
    ) -> NodeJob {
        NodeJob(
            runID: runID, node: node, attempt: attempt, command: command,
            environment: ProcessInfo.processInfo.environment.merging(extra) { $1 },
            workingDirectory: scratch.path, runDirectory: runDirectory,
            standardOutputPath: runDirectory + "/logs/\(node).out",
            standardErrorPath: runDirectory + "/logs/\(node).err",
            resources: resources)
    }

    func log(_ node: String, _ stream: String = "out") -> String {
        (try? String(contentsOfFile: runDirectory + "/logs/\(node).\(stream)", encoding: .utf8)) ?? ""
    }
}

/// A job that did not finish in time.
struct JobsDidNotFinish: Error, CustomStringConvertible {
    let description: String
}

/// Polls `handles` (all in each call, as the host does) until every one is
/// finished; the outcomes by handle. Throws after `timeout` seconds.
func waitForOutcomes(
    _ executor: any NodeExecutor, _ handles: [NodeJobHandle], timeout: Double = 180,
    everyPoll: ([NodeJobHandle: NodeJobState]) -> Void = { _ in }
) async throws -> [NodeJobHandle: NodeJobOutcome] {
    let deadline = Date().addingTimeInterval(timeout)
    var outcomes: [NodeJobHandle: NodeJobOutcome] = [:]
    while Date() < deadline {
        let states = try await executor.poll(handles)
        everyPoll(states)
        for (handle, state) in states {
            if case .finished(let outcome) = state { outcomes[handle] = outcome }
        }
        if outcomes.count == Set(handles).count { return outcomes }
        try await Task.sleep(for: .milliseconds(500))
    }
    throw JobsDidNotFinish(
        description: "jobs \(handles.filter { outcomes[$0] == nil }.map(\.id)) not finished after \(timeout) s")
}

/// Polls `handle` until it is running or finished.
func waitUntilStarted(_ executor: any NodeExecutor, _ handle: NodeJobHandle, timeout: Double = 120) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        switch try await executor.poll([handle])[handle] {
        case .running?, .finished?: return
        default: try await Task.sleep(for: .milliseconds(300))
        }
    }
    throw JobsDidNotFinish(description: "job \(handle.id) did not start within \(timeout) s")
}
