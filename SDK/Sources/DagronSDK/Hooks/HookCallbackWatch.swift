public import Synchronization

/// Which plugin callback is running right now, for a watchdog on another thread.
///
/// A registry view made with ``HookRegistry/scoped(owner:watch:)`` wraps
/// every callback registered through it, so that while the callback runs
/// the watch names its owner, its event and its node. Entering and leaving
/// a callback costs two relaxed atomic loads and two relaxed atomic stores
/// to one word: no clock read, no lock, no allocation. Callbacks registered
/// without a watch are not wrapped and cost what they always did.
///
/// A watchdog samples ``current`` every few milliseconds. It cannot know
/// when a callback started (reading a clock there would cost more than many
/// callbacks do), so it measures from the first sample that saw it:
/// ``Activity/generation`` changes with every callback entered or left, so
/// a new callback is never taken for one still running.
///
/// ```swift
/// let watch = HookCallbackWatch()
/// let view = hooks.scoped(owner: "my-plugin", watch: watch)
/// view.register(.postNode) { ctx in slowWork() }
/// // on another thread:
/// if let activity = watch.current { print(activity.owner, activity.phase) }
/// ```
///
/// Plugin code outside hooks (``DagronPlugin/configure(_:)``,
/// ``DagronPlugin/initialize(hooks:)``, ``DagronPlugin/teardown()``) is
/// watched by calling it through ``run(as:_:_:)``.
///
/// ## What it tracks
/// One activity at a time: the callbacks of one run, which never overlap
/// (see ``HookRegistry``). A callback that fires an event from inside itself
/// shows the nested callback while that runs, then itself again as a new
/// activity. Give each run its own watch: callbacks of runs that share one
/// overwrite each other's record. At most ``maximumOwners`` owners can be
/// watched; a view for any further owner registers its callbacks unwatched.
@_spi(DagronHost) public final class HookCallbackWatch: Sendable {
    /// What plugin code is doing.
    public enum Phase: Sendable, Hashable, CustomStringConvertible {
        /// ``DagronPlugin/configure(_:)``.
        case configure
        /// ``DagronPlugin/initialize(hooks:)``.
        case initialize
        /// A hook callback for this event.
        case event(HookEvent)
        /// ``DagronPlugin/teardown()``.
        case teardown

        /// `configure`, `initialize`, the event's raw value (`post_node`) or `teardown`.
        public var description: String {
            switch self {
            case .configure: "configure"
            case .initialize: "initialize"
            case .event(let event): event.rawValue
            case .teardown: "teardown"
            }
        }

        /// The 4-bit code stored in the watch's word: an event's slot, or 10-12.
        var code: UInt64 {
            switch self {
            case .event(let event): UInt64(event.slot)
            case .configure: 10
            case .initialize: 11
            case .teardown: 12
            }
        }

        init?(code: UInt64) {
            switch code {
            case 10: self = .configure
            case 11: self = .initialize
            case 12: self = .teardown
            default:
                guard let event = HookEvent.allCases.first(where: { UInt64($0.slot) == code }) else { return nil }
                self = .event(event)
            }
        }
    }

    /// The plugin code running when ``current`` was read.
    public struct Activity: Sendable, Hashable, CustomStringConvertible {
        /// The owner of the code (a plugin's name).
        public let owner: String
        /// What it is doing.
        public let phase: Phase
        /// The node of the event, for node events fired with a node index
        /// (see ``HookContext/nodeIndex``).
        public let nodeIndex: Int?
        /// Changes with every callback entered or left (modulo 2^24): two
        /// samples with equal activities saw the same callback still running.
        public let generation: UInt32

        /// `plugin 'x' in post_node`.
        public var description: String {
            "plugin '\(owner)' in \(phase)" + (nodeIndex.map { " (node #\($0))" } ?? "")
        }
    }

    /// How many owners one watch can tell apart.
    public static let maximumOwners = 4095

    // The word: bits 0-23 node index + 1 (0: none), 24-35 owner number
    // (0: nothing running), 36-39 phase code, 40-63 generation.
    @usableFromInline static let nodeMask: UInt64 = (1 << 24) - 1
    private static let ownerShift: UInt64 = 24
    private static let ownerMask: UInt64 = 0xFFF
    private static let phaseShift: UInt64 = 36
    private static let phaseMask: UInt64 = 0xF
    private static let generationShift: UInt64 = 40
    @usableFromInline static let generationUnit: UInt64 = 1 << 40
    @usableFromInline static let generationBits: UInt64 = ~((1 << 40) - 1)

    @usableFromInline let word = Atomic<UInt64>(0)
    /// The owners enrolled so far: an owner's number is its index in
    /// `names` + 1.
    private struct Owners: Sendable {
        var names: [String] = []
        var numbers: [String: Int] = [:]
    }

    private let owners = Mutex(Owners())

    /// Creates a watch with nothing running.
    public init() {}

    /// The plugin code running now, or `nil` when none is (as far as this
    /// watch knows). Safe from any thread; meant to be read every few
    /// milliseconds, not per event.
    public var current: Activity? {
        decode(word.load(ordering: .relaxed))
    }

    /// Runs `body`, recorded as `owner`'s `phase` while it runs: for plugin
    /// code called outside the registry (configure, initialize, teardown).
    public func run<Result>(as owner: String, _ phase: Phase, _ body: () throws -> Result) rethrows -> Result {
        guard let tag = tag(owner: owner, phase: phase) else { return try body() }
        let previous = enter(tag)
        defer { leave(restoring: previous) }
        return try body()
    }

    /// `callback`, wrapped so that the watch records it as `owner`'s
    /// callback for `event` while it runs; `callback` itself if `owner`
    /// cannot be watched (more than ``maximumOwners`` owners).
    func watching(_ callback: @escaping HookCallback, owner: String, event: HookEvent) -> HookCallback {
        guard let tag = tag(owner: owner, phase: .event(event)) else { return callback }
        return Self.wrap(callback, in: self, tag: tag)
    }

    /// The wrapper itself. `@inlinable` only for how its body is compiled
    /// (as for `HookStorage.fire`): as clients see it, ``HookContext`` is
    /// passed on by address; as ordinary module code, the wrapper copied the
    /// 104-byte context twice per call. `@inline(never)` keeps it in the SDK.
    @inlinable @inline(never)
    static func wrap(_ callback: @escaping HookCallback, in watch: HookCallbackWatch, tag: UInt64) -> HookCallback {
        { context in
            let previous = watch.enter(tag | nodeBits(context.nodeIndex))
            defer { watch.leave(restoring: previous) }
            try callback(context)
        }
    }

    // MARK: The word

    /// The word's owner and phase bits for `owner` doing `phase`, enrolling
    /// `owner`; `nil` when the watch has no number left for it.
    private func tag(owner: String, phase: Phase) -> UInt64? {
        let number = owners.withTrackedLock { owners -> Int? in
            if let number = owners.numbers[owner] { return number }
            guard owners.names.count < Self.maximumOwners else { return nil }
            owners.names.append(owner)
            owners.numbers[owner] = owners.names.count
            return owners.names.count
        }
        guard let number else { return nil }
        return UInt64(number) << Self.ownerShift | phase.code << Self.phaseShift
    }

    @inlinable
    static func nodeBits(_ index: Int?) -> UInt64 {
        guard let index, index >= 0, UInt64(index) < nodeMask else { return 0 }
        return UInt64(index) + 1
    }

    /// Records `tag` as running; returns the word it replaced.
    @inlinable @inline(__always)
    func enter(_ tag: UInt64) -> UInt64 {
        let previous = word.load(ordering: .relaxed)
        word.store((previous &+ Self.generationUnit) & Self.generationBits | tag, ordering: .relaxed)
        return previous
    }

    /// Records what ran before the matching ``enter(_:)`` as running again,
    /// under a new generation.
    @inlinable @inline(__always)
    func leave(restoring previous: UInt64) {
        let current = word.load(ordering: .relaxed)
        word.store(
            (current &+ Self.generationUnit) & Self.generationBits | previous & ~Self.generationBits, ordering: .relaxed
        )
    }

    private func decode(_ value: UInt64) -> Activity? {
        let number = Int(value >> Self.ownerShift & Self.ownerMask)
        guard number > 0,
            let phase = Phase(code: value >> Self.phaseShift & Self.phaseMask),
            let owner = owners.withTrackedLock({ number <= $0.names.count ? $0.names[number - 1] : nil })
        else { return nil }
        let node = value & Self.nodeMask
        return Activity(
            owner: owner, phase: phase, nodeIndex: node == 0 ? nil : Int(node - 1),
            generation: UInt32(truncatingIfNeeded: value >> Self.generationShift))
    }
}
