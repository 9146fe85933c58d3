import Synchronization

/// The severity of a ``LogRecord``, matching swift-log's levels.
public enum LogSeverity: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Finest detail.
    case trace
    /// Debugging detail.
    case debug
    /// Normal operation.
    case info
    /// Worth noticing.
    case notice
    /// Something may be wrong.
    case warning
    /// Something failed.
    case error
    /// The program cannot go on.
    case critical

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    /// Orders by severity, `trace` lowest.
    public static func < (lhs: LogSeverity, rhs: LogSeverity) -> Bool { lhs.rank < rhs.rank }
}

/// One log message as plain values, so it can cross the plugin boundary.
public struct LogRecord: Sendable {
    /// Severity.
    public var level: LogSeverity
    /// The logger's label, for example `dagron.logging`.
    public var label: String
    /// The message.
    public var message: String
    /// Structured metadata, flattened to strings.
    public var metadata: [String: String]
    /// Source file, function and line, when known.
    public var source: String?
    /// The level the plugin chose for its own output (its logger's level,
    /// such as the `logging` plugin's `level` setting), when it chose one.
    ///
    /// The host shows a record that has one whenever the record's ``level``
    /// is at least this, whatever the host's own level (`DAGRON_LOG_LEVEL`):
    /// a plugin's own setting governs its own output. Without one, the
    /// host's level decides.
    public var minimumLevel: LogSeverity?

    /// Creates a record whose visibility the host's level decides.
    public init(
        level: LogSeverity, label: String, message: String, metadata: [String: String] = [:], source: String? = nil
    ) {
        self.level = level
        self.label = label
        self.message = message
        self.metadata = metadata
        self.source = source
        self.minimumLevel = nil
    }

    /// Creates a record logged at a level the plugin chose (see ``minimumLevel``).
    public init(
        level: LogSeverity, label: String, message: String, metadata: [String: String] = [:], source: String? = nil,
        minimumLevel: LogSeverity?
    ) {
        self.init(level: level, label: label, message: message, metadata: metadata, source: source)
        self.minimumLevel = minimumLevel
    }
}

/// The bridge from plugins' logging to the host's.
///
/// A plugin's copy of swift-log is separate from the host's, so the host's
/// `LoggingSystem.bootstrap` never reaches it. Instead the host installs a
/// sink here, and a plugin's `LogHandler` forwards ``LogRecord``s to
/// ``emit(_:)``. When no sink is installed, `emit` returns `false` and the
/// plugin should log on its own.
///
/// The host shows records at or above its own level (`DAGRON_LOG_LEVEL`,
/// default `warning`), or at or above the record's
/// ``LogRecord/minimumLevel`` when the plugin set one; it prints them
/// without breaking its live status line, and forwards those of an
/// isolated plugin from its child process. Text meant for a person
/// rather than a log belongs in ``HostConsole``.
public enum HostLog {
    private static let sink = Mutex<(@Sendable (LogRecord) -> Void)?>(nil)

    /// Installs (or, with `nil`, removes) the host's sink.
    @_spi(DagronHost) public static func install(_ newSink: (@Sendable (LogRecord) -> Void)?) {
        sink.withTrackedLock { $0 = newSink }
    }

    /// Whether the host installed a sink.
    public static var isInstalled: Bool { sink.withTrackedLock { $0 != nil } }

    /// Sends `record` to the host's sink.
    /// - Returns: `false` when no sink is installed.
    @discardableResult
    public static func emit(_ record: LogRecord) -> Bool {
        guard let current = sink.withTrackedLock({ $0 }) else { return false }
        current(record)
        return true
    }
}
