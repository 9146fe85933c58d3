@_spi(DagronHost) public import DagronSDK
import Foundation
import Synchronization

/// Watches in-process plugin code from a thread of its own: reports a
/// callback that runs over its plugin's `callback_budget`, and hands one that
/// runs past its `stall_timeout` to whoever must end the run.
///
/// The callbacks themselves only tell a ``HookCallbackWatch`` when they start
/// and end (see ``HookRegistry/scoped(owner:watch:)``); the watchdog samples
/// it every few milliseconds (a quarter of the smallest budget it has seen,
/// at least 5 ms) and does all the clock reading. A callback's time is
/// measured from the first sample that saw it, so it is known to within one
/// sampling period.
///
/// - Over budget (hook callbacks only; `configure`, `initialize` and
///   `teardown` are not callbacks): reported once per plugin and event, as
///   `plugin 'x' spent 312 ms in post_node (node 'b'), over its 100 ms budget`
///   when it returns, or `... has spent over 1000 ms so far ...` when it is
///   still running after ten budgets (at least a second), and recorded with
///   ``PluginHealth/noteSlow(_:_:)``.
/// - Past the stall timeout (any plugin code, `teardown` included):
///   ``Stall`` handed to `onStall` once. The thread that runs the callback
///   is stuck in plugin code, so that handler decides how the run ends; the
///   watchdog records nothing itself.
///
/// ```swift
/// let watch = HookCallbackWatch()
/// let manager = PluginManager(callbackWatch: watch)
/// let watchdog = CallbackWatchdog(watch: watch, health: manager.health,
///                                 hostSettings: manager.hostSettings(of:)) { stall in ... }
/// watchdog.attach(to: manager.hooks)
/// watchdog.start()
/// ```
public final class CallbackWatchdog: Sendable {
    /// Plugin code that ran past its plugin's stall timeout.
    public struct Stall: Sendable {
        /// What is running.
        package let activity: HookCallbackWatch.Activity
        /// The node's name, for node events.
        public let node: String?
        /// How long it has been running, at least, in seconds.
        public let seconds: Double
        /// The plugin's stall timeout, in seconds.
        public let stallTimeout: Double

        /// The fault to record: ``PluginFault/Kind/stalled`` in the phase and event running.
        public var fault: PluginFault {
            PluginFault(
                kind: .stalled, phase: activity.phase.faultPhase, event: activity.phase.eventName, node: node,
                detail:
                    "still running after \(CallbackWatchdog.format(seconds)) (stall_timeout \(CallbackWatchdog.format(stallTimeout)))"
            )
        }

        /// `plugin 'x' has not returned from post_node (node 'b') after 1000 ms, past its stall timeout of 1000 ms`.
        public var description: String {
            "plugin '\(activity.owner)' has not returned from \(activity.phase)\(node.map { " (node '\($0)')" } ?? "") "
                + "after \(CallbackWatchdog.format(seconds)), past its stall timeout of \(CallbackWatchdog.format(stallTimeout))"
        }
    }

    /// The shortest sampling period.
    public static let shortestPeriod = 0.005
    /// The longest sampling period.
    public static let longestPeriod = 0.25

    private let watch: HookCallbackWatch
    private let health: PluginHealth
    private let hostSettings: @Sendable (String) -> PluginHostSettings
    private let warn: @Sendable (String) -> Void
    private let onStall: @Sendable (Stall) -> Void
    /// The names of the nodes of the DAG being executed, by index.
    private let nodeNames = Mutex<[String]>([])
    private let findings = Mutex(Findings())
    private let running = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)

    /// Creates a watchdog of the plugin code `watch` sees.
    /// - Parameters:
    ///   - watch: The watch the plugins' callbacks report to.
    ///   - health: Where slow callbacks are recorded.
    ///   - hostSettings: A plugin's `callback_budget` and `stall_timeout`
    ///     (``PluginManager/hostSettings(of:)``).
    ///   - warn: Receives the over-budget lines (without `dagron: warning:`).
    ///   - onStall: Called once for plugin code past its stall timeout, on the
    ///     watchdog's thread; typically ends the process.
    package init(
        watch: HookCallbackWatch,
        health: PluginHealth,
        hostSettings: @escaping @Sendable (String) -> PluginHostSettings,
        warn: @escaping @Sendable (String) -> Void = PluginManager.standardErrorWarning,
        onStall: @escaping @Sendable (Stall) -> Void
    ) {
        self.watch = watch
        self.health = health
        self.hostSettings = hostSettings
        self.warn = warn
        self.onStall = onStall
    }

    /// Learns the node names of every DAG executed with `hooks` (from
    /// `pre_execute`, before any plugin's callback), so that reports name
    /// nodes rather than indices; and ``settle()``s after every other
    /// `post_execute` callback, so that the run's report has its slow callbacks.
    public func attach(to hooks: HookRegistry) {
        hooks.register(.preExecute, priority: .max) { [self] context in
            guard let dag = context.dag else { return }
            nodeNames.withTrackedLock { $0 = dag.nodeNames }
        }
        hooks.register(.postExecute, priority: .min) { [self] _ in settle() }
    }

    /// The plugin code running now and the name of its node, if any: what a
    /// crash report says.
    package var current: (activity: HookCallbackWatch.Activity, node: String?)? {
        guard let activity = watch.current else { return nil }
        return (activity, name(ofNode: activity.nodeIndex))
    }

    /// Starts sampling on a thread of its own (once).
    public func start() {
        guard running.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
        else { return }
        let thread = Thread { [self] in sample() }
        thread.name = "dagron-watchdog"
        thread.start()
    }

    /// Stops sampling: nothing is reported or handed over after this returns.
    public func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
    }

    // MARK: Sampling

    /// What the sampling thread knows of the activity it last saw.
    private struct Tracked: Sendable {
        let activity: HookCallbackWatch.Activity
        let firstSeen: ContinuousClock.Instant
        let budget: Double
        let stallTimeout: Double
        /// Over budget, not reported yet.
        var overBudget = false
        /// Reported (or not to be): nothing more about it but a stall.
        var settled = false
        /// Handed to `onStall` (which returned): nothing more about it at all.
        var stalled = false
    }

    /// What the samples so far have found: the activity last seen, the
    /// plugin and phase pairs already reported, the sampling period.
    private struct Findings: Sendable {
        var tracked: Tracked?
        var reported: Set<String> = []
        var period = CallbackWatchdog.period(forBudget: PluginHostSettings.defaultCallbackBudget)
    }

    private func sample() {
        while !stopped.load(ordering: .sequentiallyConsistent) {
            Thread.sleep(forTimeInterval: findings.withTrackedLock { $0.period })
            settle()
        }
    }

    /// Takes a sample now. A callback over budget that ended since the last
    /// sample is reported at once: the watchdog calls this after the last
    /// `post_execute` callback (see ``attach(to:)``), so that the run's
    /// report has every slow callback although the sampling thread may not
    /// have run since.
    public func settle() {
        let now = ContinuousClock.now
        let activity = watch.current
        let stalled = findings.withTrackedLock { findings -> (Tracked, Double)? in
            if var last = findings.tracked, last.activity == activity {
                let elapsed = Self.seconds(now - last.firstSeen)
                if !last.settled, last.activity.phase.isEvent, elapsed > last.budget { last.overBudget = true }
                if !last.stalled, elapsed >= last.stallTimeout {
                    // The stall is its report.
                    if last.overBudget, !last.settled { noteSlow(last, seconds: elapsed, stillRunning: true) }
                    last.stalled = true
                    last.settled = true
                    findings.tracked = last
                    return (last, elapsed)
                }
                if last.overBudget, !last.settled, elapsed >= max(1, 10 * last.budget) {
                    report(last, seconds: elapsed, stillRunning: true, reported: &findings.reported)
                    last.settled = true
                }
                findings.tracked = last
                return nil
            }
            // What was tracked has ended (it ran about from its first sighting until now).
            if let last = findings.tracked, last.overBudget, !last.settled {
                report(
                    last, seconds: Self.seconds(now - last.firstSeen), stillRunning: false, reported: &findings.reported
                )
            }
            findings.tracked = activity.map { activity in
                let settings = hostSettings(activity.owner)
                findings.period = min(findings.period, Self.period(forBudget: settings.callbackBudget))
                return Tracked(
                    activity: activity, firstSeen: now, budget: settings.callbackBudget,
                    stallTimeout: settings.stallTimeout,
                    settled: findings.reported.contains(Self.key(activity)))
            }
            return nil
        }
        // Outside the lock: the handler typically never returns.
        if let (tracked, elapsed) = stalled { stall(tracked, seconds: elapsed) }
    }

    private func report(_ tracked: Tracked, seconds: Double, stillRunning: Bool, reported: inout Set<String>) {
        guard !stopped.load(ordering: .sequentiallyConsistent), reported.insert(Self.key(tracked.activity)).inserted
        else { return }
        let node = name(ofNode: tracked.activity.nodeIndex)
        let place = "\(tracked.activity.phase)\(node.map { " (node '\($0)')" } ?? "")"
        let owner = tracked.activity.owner
        warn(
            stillRunning
                ? "plugin '\(owner)' has spent over \(Self.format(seconds)) so far in \(place), over its \(Self.format(tracked.budget)) budget"
                : "plugin '\(owner)' spent \(Self.format(seconds)) in \(place), over its \(Self.format(tracked.budget)) budget"
        )
        noteSlow(tracked, seconds: seconds, stillRunning: stillRunning)
    }

    private func noteSlow(_ tracked: Tracked, seconds: Double, stillRunning: Bool) {
        health.noteSlow(
            tracked.activity.owner,
            PluginHealth.SlowCallback(
                event: tracked.activity.phase.description, node: name(ofNode: tracked.activity.nodeIndex),
                seconds: seconds, stillRunning: stillRunning))
    }

    private func stall(_ tracked: Tracked, seconds: Double) {
        guard !stopped.load(ordering: .sequentiallyConsistent) else { return }
        onStall(
            Stall(
                activity: tracked.activity, node: name(ofNode: tracked.activity.nodeIndex), seconds: seconds,
                stallTimeout: tracked.stallTimeout))
    }

    private func name(ofNode index: Int?) -> String? {
        guard let index else { return nil }
        return nodeNames.withTrackedLock { $0.indices.contains(index) ? $0[index] : nil }
    }

    /// One report per plugin and phase.
    private static func key(_ activity: HookCallbackWatch.Activity) -> String {
        "\(activity.owner)\u{0}\(activity.phase)"
    }

    /// A quarter of `budget`, within ``shortestPeriod`` and ``longestPeriod``.
    static func period(forBudget budget: Double) -> Double {
        min(longestPeriod, max(shortestPeriod, budget / 4))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `312 ms` under a second, `1.5 s` under a minute, else `3m05s`.
    public static func format(_ seconds: Double) -> String {
        if seconds < 1 { return String(format: "%.0f ms", seconds * 1000) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        return DurationText.format(seconds)
    }
}

extension HookCallbackWatch.Phase {
    /// Whether this is a hook callback (the only code with a time budget).
    var isEvent: Bool {
        if case .event = self { return true }
        return false
    }

    /// ``PluginFault/phase``: `configure`, `initialize`, `event` or `teardown`.
    @_spi(DagronHost) public var faultPhase: String {
        isEvent ? "event" : description
    }

    /// ``PluginFault/event``: the event's raw value, for hook callbacks.
    @_spi(DagronHost) public var eventName: String? {
        if case .event(let event) = self { return event.rawValue }
        return nil
    }
}
