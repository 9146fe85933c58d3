@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation
import Synchronization

/// The child side of plugin isolation: a `dagron` process that loads one
/// plugin and runs it on the events its parent sends (what the hidden
/// `dagron plugins host-child` command does; see ``IsolatedPlugin``).
///
/// Descriptors: 3 receives ``HostFrame``s, 4 sends ``ChildFrame``s, 5 is the
/// shared ``ProgressPage``. Standard output and error are the parent's; what
/// the plugin prints through ``HostConsole`` and logs through ``HostLog`` is
/// sent to the parent as frames instead (``ChildFrame/console``,
/// ``ChildFrame/log``), so the parent prints it above its status line and
/// filters records by its own level.
/// The process asks to be killed when its parent dies, ignores the
/// terminal's Ctrl-C (the parent decides when the plugin stops), and
/// exits 0 after ``HostFrame/teardown`` or when its parent closes the pipe.
public enum PluginHostChild {
    /// Where events arrive.
    public static let eventDescriptor: Int32 = 3
    /// Where answers go.
    public static let replyDescriptor: Int32 = 4
    /// The shared progress page.
    public static let progressDescriptor: Int32 = 5

    /// Loads the plugin in `file` (its factory `factorySymbol`), checks it is
    /// called `name`, then serves the parent until told to stop.
    /// - Returns: The exit status for the process.
    public static func serve(file: String, factorySymbol: String, name: String, relaxed: Bool) -> Int32 {
        let parent = getppid()
        _ = dagron_set_parent_death_signal(SIGKILL)
        // The parent may have died before the request above took effect.
        guard getppid() == parent else { return 0 }
        signal(SIGINT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        guard let progress = ProgressPage.attach(descriptor: progressDescriptor) else {
            try? DescriptorWriting.writeAll(
                "dagron plugins host-child: descriptor \(progressDescriptor) is not the progress page\n",
                to: STDERR_FILENO)
            return 70
        }
        let plugin: any DagronPlugin
        do {
            plugin = try PluginLoader(policy: relaxed ? .relaxed : .strict).load(
                file: file, factorySymbol: factorySymbol
            ).plugin
        } catch {
            reply(.failed) { RemoteFailure.encode(error, into: &$0) }
            return 3
        }
        guard plugin.name == name else {
            reply(.failed) {
                RemoteFailure.encode(
                    PluginLoadError.nameMismatch(path: file, manifestName: name, pluginName: plugin.name), into: &$0)
            }
            return 3
        }
        // From here on the plugin's console text and log records travel to the parent.
        HostConsole.install { text, stream in
            reply(.console) { ConsoleFrames.encode(text, stream: stream, into: &$0) }
        }
        HostLog.install { record in
            reply(.log) { ConsoleFrames.encode(record, into: &$0) }
        }
        reply(.loaded) { writer in
            writer.string(plugin.name)
            writer.string(plugin.version)
            writer.string(plugin.summary)
        }
        var session = Session(plugin: plugin, progress: progress)
        return session.run()
    }

    /// Serializes frames: plugin threads print and log while the session answers.
    private static let replyLock = Mutex(())

    /// Writes one answer frame to the parent, whole (frames from several
    /// threads never interleave).
    static func reply(_ kind: ChildFrame, _ body: (inout WireWriter) -> Void = { _ in }) {
        var writer = WireWriter(capacity: 64)
        let start = writer.beginFrame(kind.rawValue)
        body(&writer)
        writer.endFrame(start)
        replyLock.withTrackedLock { _ in writeAll(writer) }
    }

    private static func writeAll(_ writer: WireWriter) {
        writer.bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(replyDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }

    /// The loaded plugin and what it has been told so far.
    private struct Session {
        let plugin: any DagronPlugin
        let progress: ProgressPage
        let registry = HookRegistry()
        let decoder = EventDecoder()
        var sequence: UInt64 = 0

        init(plugin: any DagronPlugin, progress: ProgressPage) {
            self.plugin = plugin
            self.progress = progress
        }

        /// Reads and handles frames until teardown or end of input.
        mutating func run() -> Int32 {
            var splitter = FrameSplitter()
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            var initialized = false
            while true {
                var descriptor = pollfd(fd: eventDescriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, 100)
                if ready <= 0 {
                    // Idle: a plugin thread (a web UI) may have decided a gate meanwhile.
                    sendGateDecisions()
                    continue
                }
                let n = buffer.withUnsafeMutableBytes { read(eventDescriptor, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    break
                }
                if n == 0 { break }
                progress.heartbeat &+= 1
                var done = false
                do {
                    buffer.withUnsafeBytes { splitter.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    try splitter.forEachFrame { payload in
                        guard !done else { return }
                        done = try handle(payload, initialized: &initialized)
                    }
                } catch {
                    try? DescriptorWriting.writeAll(
                        "dagron plugins host-child: \(error); stopping plugin '\(plugin.name)'\n", to: STDERR_FILENO)
                    if initialized { plugin.teardown() }
                    return 70
                }
                if done { return 0 }
                sendGateDecisions()
            }
            // The parent closed the pipe without asking for teardown (it is
            // ending): tear down anyway, so the plugin can flush.
            if initialized { plugin.teardown() }
            return 0
        }

        /// Handles one frame; `true` once the plugin was torn down.
        private mutating func handle(_ payload: UnsafeRawBufferPointer, initialized: inout Bool) throws -> Bool {
            var reader = WireReader(payload)
            guard let kind = HostFrame(rawValue: try reader.byte()) else { throw WireError.malformed("frame kind") }
            switch kind {
            case .event:
                let context = try decoder.decodeEvent(&reader)
                sequence += 1
                progress.started = sequence
                registry.fire(context)
                progress.finished = sequence
            case .dag:
                try decoder.decodeDAG(&reader)
            case .gates:
                try decoder.decodeGates(&reader)
            case .configure:
                let count = try reader.count(limit: 100_000)
                var values: [String: String] = [:]
                for _ in 0..<count {
                    let key = try reader.string()
                    values[key] = try reader.string()
                }
                do {
                    let settings = PluginSettings(plugin: plugin.name, values)
                    try plugin.settingsSchema.validate(settings)
                    try plugin.configure(settings)
                    reply(.ok)
                } catch {
                    reply(.failed) { RemoteFailure.encode(error, into: &$0) }
                }
            case .initialize:
                do {
                    try plugin.initialize(hooks: registry.scoped(owner: plugin.name))
                    initialized = true
                    let events = HookEvent.allCases.filter { registry.hookCount($0) > 0 }
                    reply(.initialized) { writer in
                        writer.count(events.count)
                        for event in events { writer.count(event.wireSlot) }
                    }
                } catch {
                    registry.clear()
                    reply(.failed) { RemoteFailure.encode(error, into: &$0) }
                }
            case .teardown:
                sendGateDecisions()
                if initialized { plugin.teardown() }
                initialized = false
                reply(.tornDown)
                return true
            }
            progress.heartbeat &+= 1
            return false
        }

        /// Sends the gate decisions the plugin made on the mirror gates.
        private func sendGateDecisions() {
            for decision in decoder.takeLocalDecisions() {
                reply(.gateDecision) { writer in
                    writer.string(decision.name)
                    writer.bool(decision.status == .approved)
                    writer.optional(decision.reason) { $0.string($1) }
                }
            }
        }
    }
}
