public import Foundation

/// Why dagron stopped a plugin (or ended a run because of one): what
/// `result.json`'s `plugins` section, the warning line and the quarantine
/// record say about it.
public struct PluginFault: Codable, Sendable, Equatable, CustomStringConvertible {
    /// What kind of fault.
    public enum Kind: String, Codable, Sendable {
        /// Killed by a signal (an isolated child, or dagron itself in-process).
        case crashed
        /// Called `exit` (or returned from its host process) before dagron stopped it.
        case exited
        /// Took no event for longer than its stall timeout, or did not answer in time.
        case stalled
        /// Fell behind by more than its queue bound.
        case queueFull = "queue_full"
        /// Its isolated host could not be started or spoke out of turn.
        case hostFailed = "host_failed"
    }

    /// What kind of fault.
    public var kind: Kind
    /// The signal, for ``Kind/crashed``.
    public var signal: Int32?
    /// The exit status, for ``Kind/exited``.
    public var exitCode: Int32?
    /// The lifecycle phase: `configure`, `initialize`, `event` or `teardown`.
    public var phase: String
    /// The hook event the plugin was handling, when it was handling one.
    public var event: String?
    /// The node of that event, for node events.
    public var node: String?
    /// When dagron noticed, seconds since the Unix epoch.
    public var at: Double
    /// One line of detail (for example how long it stalled).
    public var detail: String?

    /// Creates a fault noticed now.
    public init(
        kind: Kind, signal: Int32? = nil, exitCode: Int32? = nil, phase: String, event: String? = nil,
        node: String? = nil, at: Double = Date().timeIntervalSince1970, detail: String? = nil
    ) {
        self.kind = kind
        self.signal = signal
        self.exitCode = exitCode
        self.phase = phase
        self.event = event
        self.node = node
        self.at = at
        self.detail = detail
    }

    /// `crashed with signal 6 (SIGABRT) in post_node (node 'b')`.
    public var description: String {
        var text: String =
            switch kind {
            case .crashed:
                "crashed with signal \(signal.map { "\($0)\(Self.signalName($0).map { " (\($0))" } ?? "")" } ?? "?")"
            case .exited: "exited with status \(exitCode.map(String.init) ?? "?")"
            case .stalled: "stalled"
            case .queueFull: "fell too far behind"
            case .hostFailed: "could not be hosted"
            }
        if let event {
            text += " in \(event)" + (node.map { " (node '\($0)')" } ?? "")
        } else if phase != "event" {
            text += " in \(phase)"
        }
        if let detail { text += ": \(detail)" }
        return text
    }

    /// The conventional name of a few signals (`SIGSEGV`).
    public static func signalName(_ signal: Int32) -> String? {
        switch signal {
        case SIGABRT: "SIGABRT"
        case SIGSEGV: "SIGSEGV"
        case SIGBUS: "SIGBUS"
        case SIGILL: "SIGILL"
        case SIGFPE: "SIGFPE"
        case SIGKILL: "SIGKILL"
        case SIGTERM: "SIGTERM"
        case SIGTRAP: "SIGTRAP"
        case SIGPIPE: "SIGPIPE"
        default: nil
        }
    }
}
