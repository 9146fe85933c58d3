@_spi(DagronHost) public import DagronSDK
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A plugin running in a child process (``PluginIsolation/process``), seen
/// by dagron as any other plugin: the same `.so`, configured, initialized
/// and torn down through the usual calls, its hooks registered on the run's
/// registry.
///
/// Its callbacks in dagron only queue the event (see ``EventQueue``); the
/// child receives the events in order and fires the plugin's own callbacks
/// with the same ``HookContext`` values (see ``EventDecoder``). A thread of
/// the proxy watches the child: if it crashes, exits, stops taking events
/// for its stall timeout, or falls more than the queue's bound behind, the
/// plugin is marked failed in ``IsolatedPluginHost/health`` with a
/// ``PluginFault``, the child is killed, one warning is printed, and the run
/// goes on without it.
public final class IsolatedPlugin: DagronPlugin, HostSettingsAware, Sendable {
    /// The plugin's name.
    public let name: String
    /// The plugin file.
    public let file: String
    private let process: IsolatedProcess
    private let host: IsolatedPluginHost
    private let queue: EventQueue
    private let failed = Atomic<Bool>(false)
    private let state = Mutex(State())
    private let answered = DispatchSemaphore(value: 0)
    private let reaped = DispatchSemaphore(value: 0)

    private struct State: Sendable {
        var version = "?"
        var summary = ""
        var answers: [Answer] = []
        var stallTimeout = PluginHostSettings.defaultStallTimeout
        var phase = "load"
        /// Requests sent and not answered (load counts as one).
        var outstanding = 1
        var tornDown = false
        var ended = false
        var endStatus: EndStatus?
        /// The fault that stopped the plugin, in any phase.
        var fault: PluginFault?
        /// The events the plugin has callbacks for (known once initialized).
        var events: [HookEvent] = []
    }

    /// An answer to a request.
    private enum Answer: Sendable {
        case loaded(name: String, version: String, summary: String)
        case ok
        case failed(any Error)
        case initialized([HookEvent])
        case tornDown
    }

    init(name: String, file: String, process: IsolatedProcess, host: IsolatedPluginHost) {
        self.name = name
        self.file = file
        self.process = process
        self.host = host
        // A broken pipe means the child is gone: the watcher reports why once it has reaped it.
        queue = EventQueue(descriptor: process.events) { _ in }
        let thread = Thread { [self] in watch() }
        thread.name = "dagron-plugin-watch"
        thread.start()
    }

    /// The plugin's version, as it reported it.
    public var version: String { state.withTrackedLock { $0.version } }
    /// The plugin's summary, as it reported it.
    public var summary: String { state.withTrackedLock { $0.summary } }
    /// The child's process id.
    public var processID: Int32 { process.pid }
    /// The events the plugin registered callbacks for when it initialized.
    public var listenedEvents: [HookEvent] { state.withTrackedLock { $0.events } }
    /// Whether dagron stopped the plugin after a fault.
    public var hasFailed: Bool { failed.load(ordering: .acquiring) }

    public func useHostSettings(_ settings: PluginHostSettings) {
        state.withTrackedLock { $0.stallTimeout = settings.stallTimeout }
    }

    // MARK: Lifecycle

    /// Waits for the child to load the plugin.
    func awaitLoaded(timeout: Duration) throws(PluginLoadError) {
        switch awaitAnswer(limit: timeout) {
        case .loaded(let reported, let version, let summary)?:
            guard reported == name else {
                abandon()
                throw .nameMismatch(path: file, manifestName: name, pluginName: reported)
            }
            state.withTrackedLock {
                $0.version = version
                $0.summary = summary
            }
        case .failed(let error)?:
            abandon()
            throw .failedInIsolatedHost(path: file, reason: String(describing: error))
        default:
            // Read before the kill: a child still loading timed out (it did
            // not crash of the SIGKILL dagron is about to send).
            let error = loadError()
            abandon()
            throw error
        }
    }

    public func configure(_ settings: PluginSettings) throws {
        try request("configure") { writer in
            writer.count(settings.values.count)
            for (key, value) in settings.values.sorted(by: { $0.key < $1.key }) {
                writer.string(key)
                writer.string(value)
            }
        }
    }

    public func initialize(hooks: HookRegistry) throws {
        let events = try request("initialize") { _ in }
        state.withTrackedLock { $0.events = events }
        for event in events {
            hooks.register(event) { [self] context in forward(context) }
        }
        state.withTrackedLock { $0.phase = "event" }
    }

    public func teardown() {
        guard !hasFailed else { return waitUntilReaped() }
        let sent = state.withTrackedLock { state -> Bool in
            guard !state.ended else { return false }
            state.phase = "teardown"
            state.outstanding += 1
            return true
        }
        guard sent else { return }
        _ = queue.append { writer, _ in writer.endFrame(writer.beginFrame(HostFrame.teardown.rawValue)) }
        queue.close()
        waitUntilReaped()
    }

    /// Queues `context` for the child. The fast path: a lock, a few dozen
    /// bytes appended, rarely a wake-up of the writer.
    private func forward(_ context: HookContext) {
        guard !failed.load(ordering: .relaxed) else { return }
        if queue.append(context) == .full {
            fail(
                PluginFault(
                    kind: .queueFull, phase: "event", event: context.event.rawValue, node: context.nodeName,
                    detail: "more than \(queue.maximumBytes >> 20) MiB of events were waiting for it"))
        }
    }

    /// Sends a request frame and waits for its answer.
    /// - Returns: The events the plugin has callbacks for (for `initialize`).
    @discardableResult
    private func request(_ phase: String, _ body: (inout WireWriter) -> Void) throws -> [HookEvent] {
        guard !hasFailed else {
            throw IsolatedPluginError(description: "the plugin's isolated host was stopped earlier")
        }
        state.withTrackedLock {
            $0.phase = phase
            $0.outstanding += 1
        }
        let kind: HostFrame = phase == "configure" ? .configure : .initialize
        _ = queue.append { writer, _ in
            let start = writer.beginFrame(kind.rawValue)
            body(&writer)
            writer.endFrame(start)
        }
        switch awaitAnswer(limit: nil) {
        case .ok?: return []
        case .initialized(let events)?: return events
        case .failed(let error)?: throw error
        default:
            let fault = state.withTrackedLock { $0.fault }
            throw IsolatedPluginError(description: "its isolated host " + (fault?.description ?? "ended"))
        }
    }

    /// The next answer, or `nil` if the child ended (or `limit` passed) first.
    private func awaitAnswer(limit: Duration?) -> Answer? {
        let deadline = limit.map { ContinuousClock.now + $0 }
        while true {
            let next = state.withTrackedLock { state -> (Answer?, Bool) in
                if !state.answers.isEmpty { return (state.answers.removeFirst(), false) }
                return (nil, state.ended)
            }
            if let answer = next.0 { return answer }
            if next.1 { return nil }
            if let deadline, ContinuousClock.now >= deadline { return nil }
            _ = answered.wait(timeout: .now() + .milliseconds(100))
        }
    }

    private func waitUntilReaped() {
        reaped.wait()
        reaped.signal()
    }

    /// The fault that made dagron stop the plugin, in any phase (set-up
    /// included, which ``IsolatedPluginHost/health`` does not record).
    public var fault: PluginFault? { state.withTrackedLock { $0.fault } }

    // MARK: Faults

    /// Records `fault` (the first one counts), kills the child, warns once.
    private func fail(_ fault: PluginFault) {
        guard !failed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        state.withTrackedLock { $0.fault = fault }
        process.killGroup()
        queue.close()
        let duringRun = fault.phase == "event" || fault.phase == "teardown"
        if duringRun, host.health.fail(name, fault) {
            host.warn("plugin '\(name)' (isolated) \(fault); dagron stopped it and the run goes on without it")
        }
        host.onFault(name, file, fault)
        answered.signal()
    }

    /// Kills a child that never got going.
    private func abandon() {
        failed.store(true, ordering: .releasing)
        process.killGroup()
        queue.close()
        waitUntilReaped()
    }

    private func loadError() -> PluginLoadError {
        switch state.withTrackedLock({ $0.endStatus }) {
        case .signaled(let signal)?: .crashed(path: file, signal: signal, output: "")
        case .exited(let status)?: .exited(path: file, status: status, output: "")
        case nil: .timedOut(path: file, seconds: Int(host.loadTimeout.components.seconds))
        }
    }

    // MARK: The watcher

    /// Reads the child's answers, watches its progress, reaps it.
    private func watch() {
        var splitter = FrameSplitter()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var lastSeen: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var lastChange = ContinuousClock.now
        while true {
            var descriptor = pollfd(fd: process.replies, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 50)
            if ready > 0 {
                let n = buffer.withUnsafeMutableBytes { read(process.replies, $0.baseAddress, $0.count) }
                if n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN) { break }
                if n > 0 {
                    buffer.withUnsafeBytes { splitter.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    do {
                        try splitter.forEachFrame { try receive($0) }
                    } catch {
                        fail(PluginFault(kind: .hostFailed, phase: currentPhase, detail: "\(error)"))
                        break
                    }
                }
            }
            if hasFailed { continue }
            // Stalled: something is owed (an event or an answer) and nothing moved for the stall timeout.
            let page = process.progress
            let seen = (page.started, page.finished, page.heartbeat, queue.sequence)
            let (owed, timeout) = state.withTrackedLock { ($0.outstanding > 0 && $0.phase != "load", $0.stallTimeout) }
            let now = ContinuousClock.now
            if seen != lastSeen || !(owed || seen.1 < seen.3) {
                lastSeen = seen
                lastChange = now
            } else if now - lastChange > .milliseconds(Int64(timeout * 1000)) {
                let handling = handlingEvent()
                fail(
                    PluginFault(
                        kind: .stalled, phase: currentPhase, event: handling?.event.rawValue, node: handling?.node,
                        detail: "no progress for \(Self.words(timeout)) (its stall_timeout)"))
            }
        }
        var status: Int32 = 0
        while waitpid(process.pid, &status, 0) < 0 && errno == EINTR {}
        close(process.replies)
        let end: EndStatus = status & 0x7F != 0 ? .signaled(status & 0x7F) : .exited((status >> 8) & 0xFF)
        let expected = state.withTrackedLock { state -> Bool in
            state.ended = true
            state.endStatus = end
            return state.tornDown
        }
        if !expected, !hasFailed {
            let handling = handlingEvent()
            let phase = currentPhase
            switch end {
            case .signaled(let signal):
                fail(
                    PluginFault(
                        kind: .crashed, signal: signal, phase: phase, event: handling?.event.rawValue,
                        node: handling?.node))
            case .exited(let code):
                fail(
                    PluginFault(
                        kind: .exited, exitCode: code, phase: phase, event: handling?.event.rawValue,
                        node: handling?.node))
            }
        }
        queue.close()
        answered.signal()
        reaped.signal()
    }

    private var currentPhase: String { state.withTrackedLock { $0.phase } }

    /// The event the child was in the middle of, if it was in one.
    private func handlingEvent() -> (event: HookEvent, node: String?)? {
        let page = process.progress
        let started = page.started
        guard started > page.finished else { return nil }
        return queue.describe(started)
    }

    private func receive(_ payload: UnsafeRawBufferPointer) throws {
        var reader = WireReader(payload)
        guard let kind = ChildFrame(rawValue: try reader.byte()) else { throw WireError.malformed("answer kind") }
        let answer: Answer
        switch kind {
        case .loaded:
            answer = .loaded(name: try reader.string(), version: try reader.string(), summary: try reader.string())
        case .ok:
            answer = .ok
        case .failed:
            answer = .failed(try RemoteFailure.decode(&reader))
        case .initialized:
            let count = try reader.count(limit: HookEvent.allCases.count)
            var events: [HookEvent] = []
            for _ in 0..<count {
                guard let event = HookEvent(wireSlot: try reader.count(limit: 64)) else {
                    throw WireError.malformed("event")
                }
                events.append(event)
            }
            answer = .initialized(events)
        case .tornDown:
            answer = .tornDown
        case .gateDecision:
            let gate = try reader.string()
            let approve = try reader.bool()
            let reason = try reader.optional { (reader: inout WireReader) throws(WireError) in try reader.string() }
            if approve { try? queue.gates?.approve(gate) } else { try? queue.gates?.reject(gate, reason: reason) }
            return
        case .console:
            let (text, stream) = try ConsoleFrames.decodeText(&reader)
            HostConsole.printBlock(text, to: stream)
            return
        case .log:
            HostLog.emit(try ConsoleFrames.decodeRecord(&reader))
            return
        }
        state.withTrackedLock { state in
            state.outstanding = max(state.outstanding - 1, 0)
            if case .tornDown = answer { state.tornDown = true }
            state.answers.append(answer)
        }
        answered.signal()
    }

    /// `30s`, `1.5s`, `250ms`.
    static func words(_ seconds: Double) -> String {
        seconds < 1
            ? "\(Int((seconds * 1000).rounded()))ms"
            : seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}

/// How an isolated plugin's host process ended.
enum EndStatus: Sendable {
    case exited(Int32)
    case signaled(Int32)
}
