/// What a node asks of the machine that runs it: the pipeline's
/// `resources: {cpus, mem, time, gpus}`.
///
/// Every field is optional; an executor leaves out what is not set and
/// lets its cluster's defaults apply. The local executor ignores them.
public struct NodeResources: Sendable, Hashable {
    /// CPU cores for the command (`cpus`).
    public var cpus: Int?
    /// Memory, in mebibytes (`mem: 4G` is 4096).
    public var memoryMebibytes: Int?
    /// Wall-time limit, in seconds (`time: 2h`).
    public var timeSeconds: Double?
    /// GPUs (`gpus`).
    public var gpus: Int?

    /// Creates a request.
    public init(cpus: Int? = nil, memoryMebibytes: Int? = nil, timeSeconds: Double? = nil, gpus: Int? = nil) {
        self.cpus = cpus
        self.memoryMebibytes = memoryMebibytes
        self.timeSeconds = timeSeconds
        self.gpus = gpus
    }

    /// Whether nothing is asked for.
    public var isEmpty: Bool {
        cpus == nil && memoryMebibytes == nil && timeSeconds == nil && gpus == nil
    }
}
