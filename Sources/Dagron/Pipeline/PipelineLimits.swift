@_spi(DagronHost) public import DagronSDK

/// The ranges of the numbers and durations a pipeline file may hold, and
/// the longest names; ``PipelineParser`` refuses anything outside them with
/// a `file:line:column: key:` issue, so nothing later converts an
/// unrepresentable value. `docs/run.md` lists them for users.
public enum PipelineLimits {
    /// A node's `timeout` and a gate's `timeout`: from 1 ms to 365 days.
    public static let timeout = DurationBounds(longest: DurationBounds.year)
    /// `retry_delay` and `retries.delay`: 0 (retry at once), or from 1 ms to 365 days.
    public static let retryDelay = DurationBounds(longest: DurationBounds.year, allowsZero: true)
    /// `retries` and `retries.count`: from 0 to 1000.
    public static let retries = IntegerBounds(0...1000)
    /// `max_workers` (and `dagron run --max-workers`): from 1 to 4096.
    public static let maxWorkers = IntegerBounds(1...4096)
    /// A node's `resources.cpus`: from 1 to 65536.
    public static let cpus = IntegerBounds(1...65536)
    /// A node's `resources.gpus`: from 0 to 1024.
    public static let gpus = IntegerBounds(0...1024)
    /// The suffix of a node's longest log file name.
    public static let logSuffix = ".stdout.log"
    /// The longest node name, in bytes: a file name may have 255 bytes
    /// (`NAME_MAX`) and a node's logs are `<name>.stdout.log`.
    public static let nodeNameBytes = 255 - logSuffix.utf8.count
    /// The longest pipeline `name`, in characters: the default run directory
    /// is `<name>-<yyyyMMdd-HHmmss>[-N]`, one file name of at most 255 bytes.
    public static let pipelineNameCharacters = 200
}
