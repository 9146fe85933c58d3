@_spi(DagronHost) import DagronSDK
import Synchronization

/// The plugin file this process is loading right now: while its library's
/// constructors and its factory run, nothing else of it is known, so a crash
/// there (or a load that never returns) is told by this record, read from
/// the crash handler or a deadline on another thread.
public enum PluginLoadTracker {
    /// A load in progress.
    public struct Loading: Sendable {
        /// The plugin file.
        public let path: String
        /// The plugin's name where it was known before loading (a manifest's
        /// or the registry cache's), else `nil`.
        public let name: String?
        /// When the load began.
        public let started: ContinuousClock.Instant

        /// `the plugin file /p/libx.so (plugin 'x')`, for messages.
        public var described: String {
            "the plugin file \(path)" + (name.map { " (plugin '\($0)')" } ?? "")
        }
    }

    private static let state = Mutex<Loading?>(nil)

    /// The load in progress, if any.
    public static var current: Loading? {
        state.withTrackedLock { $0 }
    }

    /// Records that `path` starts loading; ``end()`` clears it.
    static func begin(path: String, name: String?) {
        state.withTrackedLock { $0 = Loading(path: path, name: name, started: .now) }
    }

    /// The load of the file in ``current`` ended (either way).
    static func end() {
        state.withTrackedLock { $0 = nil }
    }
}
