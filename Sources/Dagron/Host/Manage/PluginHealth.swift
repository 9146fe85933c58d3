import DagronSDK
import Synchronization

/// How each plugin of one run is doing: where it runs, whether it failed and
/// why, and which of its callbacks went over their time budget.
///
/// Shared by whatever watches plugins (isolated hosts, the callback
/// watchdog) and read at the end for `result.json`'s `plugins` section.
/// A failure is recorded once per plugin: ``fail(_:_:)`` returns `true` the
/// first time only, so the caller warns once.
public final class PluginHealth: Sendable {
    /// One plugin's entry in `result.json`.
    public struct Entry: Codable, Sendable, Equatable {
        /// The plugin's name.
        public var name: String
        /// Where its code ran.
        public var isolation: PluginIsolation
        /// `ok` or `failed`.
        public var state: State
        /// Why it failed, when it did.
        public var failure: PluginFault?
        /// Callbacks that ran over their budget (the first of each event).
        public var slowCallbacks: [SlowCallback]
    }

    /// A plugin's state at the end of a run.
    public enum State: String, Codable, Sendable {
        /// Ran to the end.
        case ok
        /// Stopped by dagron (see ``Entry/failure``).
        case failed
    }

    /// A callback that ran longer than its plugin's callback budget.
    public struct SlowCallback: Codable, Sendable, Equatable {
        /// The event.
        public var event: String
        /// The node, for node events.
        public var node: String?
        /// How long it ran (or had run when last seen), in seconds.
        public var seconds: Double
        /// Whether it was still running when reported.
        public var stillRunning: Bool
    }

    private let entries = Mutex<[Entry]>([])

    /// Creates an empty record.
    public init() {}

    /// Adds `name` (once), running with `isolation`.
    public func add(_ name: String, isolation: PluginIsolation) {
        entries.withTrackedLock { entries in
            if let index = entries.firstIndex(where: { $0.name == name }) {
                entries[index].isolation = isolation
            } else {
                entries.append(Entry(name: name, isolation: isolation, state: .ok, failure: nil, slowCallbacks: []))
            }
        }
    }

    /// Records that `name` failed. Returns `true` the first time, `false` if
    /// a failure was already recorded (the first one is kept).
    @discardableResult
    public func fail(_ name: String, _ fault: PluginFault) -> Bool {
        entries.withTrackedLock { entries in
            guard let index = entries.firstIndex(where: { $0.name == name }) else {
                entries.append(
                    Entry(name: name, isolation: .inProcess, state: .failed, failure: fault, slowCallbacks: []))
                return true
            }
            guard entries[index].state == .ok else { return false }
            entries[index].state = .failed
            entries[index].failure = fault
            return true
        }
    }

    /// Records a slow callback of `name`, or updates the last record of the
    /// same event. Returns `true` when it is the first for that event.
    @discardableResult
    public func noteSlow(_ name: String, _ slow: SlowCallback) -> Bool {
        entries.withTrackedLock { entries in
            guard let index = entries.firstIndex(where: { $0.name == name }) else { return false }
            if let existing = entries[index].slowCallbacks.firstIndex(where: { $0.event == slow.event }) {
                if entries[index].slowCallbacks[existing].node == slow.node {
                    entries[index].slowCallbacks[existing] = slow
                }
                return false
            }
            entries[index].slowCallbacks.append(slow)
            return true
        }
    }

    /// Every plugin's entry, in the order they were added.
    public var snapshot: [Entry] {
        entries.withTrackedLock { $0 }
    }

    /// Whether any plugin failed.
    public var anyFailed: Bool {
        entries.withTrackedLock { $0.contains { $0.state == .failed } }
    }

    /// The failure of `name`, if it failed.
    public func failure(of name: String) -> PluginFault? {
        entries.withTrackedLock { $0.first { $0.name == name }?.failure }
    }
}

/// What a plugin's failure does to the run: `--plugin-failure` and the
/// pipeline's `plugin_failure` key.
public enum PluginFailurePolicy: String, Sendable, Codable, CaseIterable {
    /// The plugin is stopped and the run goes on; its exit code is its nodes'. The default.
    case `continue`
    /// A plugin failure fails the run: exit code 1 even if every node succeeded.
    case fail
}
