@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization

/// Creates the log files of a run's local command nodes ahead of the
/// workers, on a thread of its own, so that a worker starting a node finds
/// them made.
///
/// Creating a file allocates an inode, and on ext4 without a journal (and
/// right after a big run directory was deleted) that costs 25 µs to several
/// hundred: with two logs a node, it was a third of a chain's time between
/// one child's exit and the next spawn. The thread works while the workers
/// wait for their children, at most ``lead`` nodes ahead of the nodes
/// started, in the DAG's topological order.
///
/// A worker still opens its logs with `O_CREAT`, so a node the thread has not
/// reached yet (or could not make files for) is unaffected. The thread
/// creates only files that do not exist (`O_EXCL`), and ``finish()`` removes
/// again the ones it made for nodes that never started (skipped, cancelled,
/// or after a fail-fast stop): a run directory ends with the same files as
/// without it. Only a run killed outright leaves the empty logs of the at
/// most ``lead`` nodes it had prepared.
final class LogFilePreparer: Sendable {
    /// How many nodes beyond those started the thread prepares.
    static let lead = 32

    private struct State {
        /// Per node (in `nodes`' order): whether a worker has started it.
        var started: [Bool]
        /// Per node: which of its two files the thread created.
        var created: [(standardOutput: Bool, standardError: Bool)]
        var stopping = false
    }

    private let nodes: [String]
    private let directory: RunDirectory
    private let positions: [String: Int]
    private let state: Mutex<State>
    /// One permit per node the thread may prepare: ``lead`` at first, one more per start.
    private let room: DispatchSemaphore
    private let done = DispatchSemaphore(value: 0)

    /// Prepares the logs of `nodes` (names, in the order they are likely to
    /// run) in the run directory `directory`, from now until ``finish()``.
    init(nodes: [String], directory: RunDirectory) {
        // Names only: a node's two paths are made when they are needed.
        self.nodes = nodes
        self.directory = directory
        var positions: [String: Int] = [:]
        positions.reserveCapacity(nodes.count)
        for (position, node) in nodes.enumerated() { positions[node] = position }
        self.positions = positions
        state = Mutex(
            State(
                started: Array(repeating: false, count: nodes.count),
                created: Array(repeating: (false, false), count: nodes.count)))
        // Made with 0 and raised: libdispatch traps when a semaphore is
        // freed below the value it was created with.
        room = DispatchSemaphore(value: 0)
        for _ in 0..<Self.lead { room.signal() }
        let thread = Thread { [self] in
            prepare()
            done.signal()
        }
        thread.name = "dagron-log-files"
        thread.start()
    }

    /// Records that a worker is starting `node` (each attempt may say so):
    /// its files are then its own, and the thread may go one node further.
    func starting(_ node: String) {
        guard let position = positions[node] else { return }
        let first = state.withTrackedLock { state in
            defer { state.started[position] = true }
            return !state.started[position]
        }
        if first { room.signal() }
    }

    /// Stops the thread, waits for it, and removes the files it made for
    /// nodes that never started. Call once, after the last node has ended.
    func finish() {
        state.withTrackedLock { $0.stopping = true }
        room.signal()
        done.wait()
        let unused = state.withTrackedLock { state in
            nodes.indices.filter { !state.started[$0] }.map { (nodes[$0], state.created[$0]) }
        }
        for (node, created) in unused where created.standardOutput || created.standardError {
            directory.logs(for: node).remove(created: created)
        }
    }

    private func prepare() {
        for position in nodes.indices {
            room.wait()
            let skip = state.withTrackedLock { state -> Bool? in
                state.stopping ? nil : state.started[position]
            }
            guard let skip else { return }
            if skip { continue }
            let made = directory.logs(for: nodes[position]).createAbsent()
            state.withTrackedLock { $0.created[position] = made }
        }
    }
}
