/// One file in what `dagron plugins check --json` prints (an array, in the
/// order the files were given).
struct PluginCheckJSON: Encodable {
    /// How the lifecycle went, when the file loaded and `--load-only` was not given.
    struct Lifecycle: Encodable {
        /// `passed`, `declined` (the plugin refused its settings: not a failure),
        /// `failed` (crashed, exited or stalled) or `not_started` (could not be hosted).
        let result: String
        /// For `passed`: the events the plugin's hooks were sent, with how many times.
        let events: [String: Int]
        /// For `declined`: the phase (`configure` or `initialize`).
        @Nullable var phase: String? = nil
        /// For `declined`, `failed` and `not_started`: what happened, in words.
        @Nullable var message: String? = nil
        /// For `failed`: the fault (times in ISO 8601).
        @Nullable var fault: Fault? = nil
    }

    /// A crash, exit or stall.
    struct Fault: Encodable {
        /// `crashed`, `exited`, `stalled`, `queue_full` or `host_failed`.
        let kind: String
        @Nullable var signal: Int32? = nil
        @Nullable var exitCode: Int32? = nil
        let phase: String
        @Nullable var event: String? = nil
        @Nullable var node: String? = nil
        @Nullable var at: String? = nil
    }

    /// The file, absolute.
    let path: String
    /// `ok`, `failed` or `refused` (the loader's safety checks refused it).
    let status: String
    @Nullable var name: String? = nil
    @Nullable var version: String? = nil
    /// Why it did not load.
    @Nullable var error: String? = nil
    /// `null` when the file did not load or with `--load-only`.
    @Nullable var lifecycle: Lifecycle? = nil
}
