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
/// The thread keeps the two files it made for a node open, and the node's
/// first attempt takes them (``starting(at:)``) instead of opening them
/// again by path. A worker still opens its logs with `O_CREAT`, so a node
/// the thread has not reached yet (or could not make files for) is
/// unaffected. The thread creates only files that do not exist (`O_EXCL`),
/// and ``finish()`` closes what was not taken and removes
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
        /// Per node not started yet: both its files, open, when the thread created them.
        var opened: [OpenedLogFiles?]
        /// The position the thread handles next.
        var next = 0
        /// How far the thread may go: ``lead`` plus the nodes started.
        var allowance = LogFilePreparer.lead
        /// Whether the thread sleeps on `wake` until there is room again.
        var sleeping = false
        var stopping = false

        /// Whether to wake the sleeping thread now: once half the lead is
        /// free again (or all that is left), so that it is woken once per
        /// ``lead``/2 starts rather than once per start (a futex wake a
        /// node, 20 µs of the worker's time in a chain).
        mutating func shouldWake(count: Int) -> Bool {
            guard sleeping, allowance - next >= min(LogFilePreparer.lead / 2, count - next) else { return false }
            sleeping = false
            return true
        }
    }

    private let nodes: [String]
    private let directory: RunDirectory
    private let positions: [String: Int]
    private let state: Mutex<State>
    /// Where the thread sleeps while it is ``lead`` nodes ahead.
    private let wake = DispatchSemaphore(value: 0)
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
                created: Array(repeating: (false, false), count: nodes.count),
                opened: Array(repeating: nil, count: nodes.count)))
        let thread = Thread { [self] in
            prepare()
            done.signal()
        }
        thread.name = "dagron-log-files"
        thread.start()
    }

    /// Where `node` is in the order the files are prepared in, for
    /// ``starting(at:)``; `nil` for a node the thread does not prepare.
    func position(of node: String) -> Int? {
        positions[node]
    }

    /// Records that a worker is starting the node at `position` (from
    /// ``position(of:)``; each attempt may say so): its files are then its
    /// own, and the thread may go one node further. The first time, returns
    /// the node's two files open, when the thread made them (the attempt
    /// then need not open them by path).
    func starting(at position: Int?) -> OpenedLogFiles? {
        guard let position else { return nil }
        let count = nodes.count
        let (opened, wakeThread) = state.withTrackedLock { state -> (OpenedLogFiles?, Bool) in
            guard !state.started[position] else { return (nil, false) }
            state.started[position] = true
            state.allowance += 1
            defer { state.opened[position] = nil }
            return (state.opened[position], state.shouldWake(count: count))
        }
        if wakeThread { wake.signal() }
        return opened
    }

    /// Stops the thread, waits for it, and removes the files it made for
    /// nodes that never started. Call once, after the last node has ended.
    func finish() {
        let wakeThread = state.withTrackedLock { state in
            state.stopping = true
            defer { state.sleeping = false }
            return state.sleeping
        }
        if wakeThread { wake.signal() }
        done.wait()
        let unused = state.withTrackedLock { state in
            // Descriptors nobody took are closed as their last reference goes
            // (the array keeps its size: a late `starting(at:)` finds nothing).
            for position in state.opened.indices { state.opened[position] = nil }
            return nodes.indices.filter { !state.started[$0] }.map { (nodes[$0], state.created[$0]) }
        }
        for (node, created) in unused where created.standardOutput || created.standardError {
            directory.logs(for: node).remove(created: created)
        }
    }

    private func prepare() {
        enum Step {
            case make(Int)
            case skip, sleep, stop
        }
        while true {
            let step = state.withTrackedLock { state -> Step in
                if state.stopping || state.next == nodes.count { return .stop }
                guard state.next < state.allowance else {
                    state.sleeping = true
                    return .sleep
                }
                let position = state.next
                state.next += 1
                return state.started[position] ? .skip : .make(position)
            }
            switch step {
            case .make(let position):
                let (made, opened) = directory.logs(for: nodes[position]).createAbsent()
                state.withTrackedLock { state in
                    state.created[position] = made
                    // A node that started meanwhile opens its files itself.
                    if !state.started[position] { state.opened[position] = opened }
                }
            case .skip: continue
            case .sleep: wake.wait()
            case .stop: return
            }
        }
    }
}
