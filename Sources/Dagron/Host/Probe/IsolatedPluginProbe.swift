@_spi(DagronHost) import DagronSDK
import DagronSystemShims
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Probes plugin candidates in a child process, so that a plugin that
/// crashes while loading (a `fatalError` in its factory, a segfault in a
/// constructor) cannot take the caller down: GStreamer's plugin scanner, for dagron.
///
/// One child probes all candidates in order and writes one JSON line per
/// candidate to descriptor 3. If the child dies, the first candidate without
/// a line is recorded as ``PluginLoadError/crashed(path:signal:output:)`` and
/// a new child carries on with the rest, so one broken plugin never hides the
/// others and the common case costs a single process.
///
/// The child is any executable that calls ``serve(requestDescriptor:output:)``:
/// it reads the request (JSON) from descriptor 4, an unlinked temporary file,
/// so any number of candidates fits. `dagron` does this in its hidden
/// `plugins probe-child` command. Nothing of a plugin outlives the child.
public struct IsolatedPluginProbe: Sendable {
    /// The child executable.
    public var executable: String
    /// Arguments put before the request (for `dagron`: `["plugins", "probe-child"]`).
    public var arguments: [String]
    /// How long one child may take before it is killed and its current candidate reported as hung.
    public var timeoutSeconds: Int

    /// Creates a probe that runs `executable arguments…`.
    public init(executable: String, arguments: [String], timeoutSeconds: Int = 20) {
        self.executable = executable
        self.arguments = arguments
        self.timeoutSeconds = timeoutSeconds
    }

    /// What the child is asked to do (JSON on its descriptor 4).
    public struct Request: Sendable, Codable {
        /// The candidates, in order.
        public var candidates: [PluginCandidate]
        /// Whether to initialize (and tear down) each plugin to learn its hooks.
        public var initialize: Bool
        /// Settings overlaid on the manifest's when initializing.
        public var settings: [String: String]
        /// Whether the safety checks are relaxed.
        public var relaxed: Bool
    }

    private struct Line: Codable {
        var index: Int
        var record: PluginRecord
    }

    /// Probes `candidates` and returns one record per candidate, in order
    /// (shadowing not resolved; see ``PluginRecord/resolvingShadows(_:)``).
    public func probe(
        _ candidates: [PluginCandidate],
        initialize: Bool = false,
        settings: [String: String] = [:],
        policy: PluginSafetyPolicy = .current()
    ) -> [PluginRecord] {
        var records: [PluginRecord?] = Array(repeating: nil, count: candidates.count)
        var start = 0
        while start < candidates.count {
            let remaining = Array(candidates[start...])
            let request = Request(
                candidates: remaining, initialize: initialize, settings: settings, relaxed: policy == .relaxed)
            let outcome = run(request)
            for line in outcome.lines where line.index >= 0 && line.index < remaining.count {
                records[start + line.index] = line.record
            }
            // The first candidate of this run without a record is the one the child died on.
            guard let missing = remaining.indices.first(where: { records[start + $0] == nil }) else { break }
            let candidate = remaining[missing]
            let error: PluginLoadError =
                switch outcome.end {
                case .signaled(let signal): .crashed(path: candidate.path, signal: signal, output: outcome.lastOutput)
                case .exited(let status): .exited(path: candidate.path, status: status, output: outcome.lastOutput)
                case .timedOut: .timedOut(path: candidate.path, seconds: timeoutSeconds)
                case .spawnFailed(let reason):
                    .unreadable(
                        path: candidate.path, reason: "could not start the probe process \(executable): \(reason)")
                }
            records[start + missing] = PluginRecord(candidate: candidate, error: error)
            if case .spawnFailed = outcome.end {
                for index in (start + missing)..<candidates.count where records[index] == nil {
                    records[index] = PluginRecord(candidate: candidates[index], error: error)
                }
                break
            }
            start += missing + 1
        }
        return records.enumerated().map {
            $1
                ?? PluginRecord(
                    candidate: candidates[$0], error: .unreadable(path: candidates[$0].path, reason: "not probed"))
        }
    }

    private enum End {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
        case spawnFailed(String)
    }

    private struct Outcome {
        var lines: [Line] = []
        var end: End = .exited(0)
        var lastOutput = ""
    }

    private func run(_ request: Request) -> Outcome {
        var outcome = Outcome()
        guard let json = try? JSONEncoder().encode(request) else {
            outcome.end = .spawnFailed("cannot encode the request")
            return outcome
        }
        guard let requestFile = Self.unlinkedFile(containing: json) else {
            outcome.end = .spawnFailed(
                "cannot write the request to a temporary file: \(String(cString: strerror(errno)))")
            return outcome
        }
        defer { close(requestFile) }
        guard let resultPipe = SpawnSupport.makePipe() else {
            outcome.end = .spawnFailed(String(cString: strerror(errno)))
            return outcome
        }
        let results = [resultPipe.read, resultPipe.write]
        guard let diagnosticPipe = SpawnSupport.makePipe() else {
            close(results[0])
            close(results[1])
            outcome.end = .spawnFailed(String(cString: strerror(errno)))
            return outcome
        }
        let diagnostics = [diagnosticPipe.read, diagnosticPipe.write]
        // Every source above 4 first (see SpawnSupport.moved).
        let results1 = SpawnSupport.moved(results[1], above: 4)
        let request = SpawnSupport.moved(requestFile, above: 4)
        defer { if request != requestFile { close(request) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, diagnostics[1], 1)
        posix_spawn_file_actions_adddup2(&actions, diagnostics[1], 2)
        posix_spawn_file_actions_adddup2(&actions, results1, 3)
        posix_spawn_file_actions_adddup2(&actions, request, 4)
        SpawnSupport.startInInvocationDirectory(&actions)

        let argv = [executable] + arguments
        let envp = SpawnSupport.childEnvironment()
        var pid: pid_t = 0
        // A group of its own: what a plugin's constructor starts (a forked
        // helper) is killed with the child, and holds no pipe open past it.
        let spawned = ChildProcessSignals.withSpawnAttributes(ownProcessGroup: true) { attributes in
            SpawnSupport.withCStrings(argv) { cArgv in
                SpawnSupport.withCStrings(envp) { cEnvp in
                    posix_spawn(&pid, executable, &actions, &attributes, cArgv, cEnvp)
                }
            }
        }
        // Only the child may hold the write ends now, so EOF means the child is gone.
        close(results[1])
        if results1 != results[1] { close(results1) }
        close(diagnostics[1])
        defer {
            close(results[0])
            close(diagnostics[0])
        }
        guard spawned == 0 else {
            outcome.end = .spawnFailed(String(cString: strerror(spawned)))
            return outcome
        }

        let decoder = JSONDecoder()
        var pending = [UInt8]()
        var errorText = [UInt8]()
        var open = (results: true, diagnostics: true)
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        // Readable once the child has exited: the end of the probe even if
        // something it started still holds the pipes (-1 on old kernels,
        // where the pipes' end has to do).
        let exitWatch = dagron_pidfd_open(pid)
        defer { if exitWatch >= 0 { close(exitWatch) } }
        var exited = false
        while open.results || open.diagnostics {
            let left = deadline - ContinuousClock.now
            if left <= .zero {
                timedOut = true
                break
            }
            var fds = [
                pollfd(fd: open.results ? results[0] : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: open.diagnostics ? diagnostics[0] : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: exited ? -1 : exitWatch, events: Int16(POLLIN), revents: 0),
            ]
            // Once the child is gone, only what is already in the pipes is read.
            let milliseconds = exited ? 0 : Int32(min(left.components.seconds * 1000 + 1, 60_000))
            let ready = poll(&fds, 3, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 && exited { break }
            if ready <= 0 { continue }
            if fds[2].revents != 0 {
                exited = true
                // What the child started goes with it (its group stays
                // reserved until the child is reaped below).
                kill(-pid, SIGKILL)
            }
            for slot in 0..<2 where fds[slot].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[slot].fd, $0.baseAddress, $0.count) }
                if n <= 0 {
                    if slot == 0 { open.results = false } else { open.diagnostics = false }
                    continue
                }
                if slot == 0 {
                    pending += buffer[0..<n]
                    while let newline = pending.firstIndex(of: 0x0A) {
                        let data = Data(pending[..<newline])
                        pending.removeSubrange(...newline)
                        if let line = try? decoder.decode(Line.self, from: data) {
                            outcome.lines.append(line)
                            errorText.removeAll()
                        }
                    }
                } else {
                    errorText += buffer[0..<n]
                    if errorText.count > 16384 { errorText.removeFirst(errorText.count - 16384) }
                }
            }
        }
        // The child if it hangs, and anything it started that is still there.
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        outcome.lastOutput = Self.lastMeaningfulLine(String(decoding: errorText, as: UTF8.self))
        if timedOut {
            outcome.end = .timedOut
        } else if status & 0x7F != 0 {
            outcome.end = .signaled(status & 0x7F)
        } else {
            outcome.end = .exited((status >> 8) & 0xFF)
        }
        return outcome
    }

    /// An already-unlinked, close-on-exec temporary file holding `data`, positioned at its start.
    private static func unlinkedFile(containing data: Data) -> Int32? {
        var template = Array((NSTemporaryDirectory() + "/dagron-probe-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { return nil }
        unlink(template)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let written = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        guard written else {
            close(fd)
            return nil
        }
        return fd
    }

    /// The line of a crash's standard error worth quoting: Swift's
    /// `Fatal error: …` line if there is one, else the last non-empty line.
    static func lastMeaningfulLine(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        let line = lines.last { $0.contains("Fatal error") } ?? lines.last ?? ""
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }

    /// The child side: reads the request from `requestDescriptor` (4 by
    /// default), probes its candidates in order and writes one JSON line per
    /// candidate to `output` (3 by default), each before the next is loaded.
    public static func serve(requestDescriptor: Int32 = 4, output: Int32 = 3) throws {
        // Killed with the parent: a dagron killed while a plugin's
        // constructor hangs here must not leave this process behind.
        let parent = getppid()
        _ = dagron_set_parent_death_signal(SIGKILL)
        guard getppid() == parent else { return }
        var json = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes {
                pread(requestDescriptor, $0.baseAddress, $0.count, off_t(json.count))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if n == 0 { break }
            json.append(contentsOf: buffer[0..<n])
        }
        let request = try JSONDecoder().decode(Request.self, from: json)
        let probe = PluginProbe(loader: PluginLoader(policy: request.relaxed ? .relaxed : .strict))
        let encoder = JSONEncoder()
        for (index, candidate) in request.candidates.enumerated() {
            let record = probe.probe(candidate, initialize: request.initialize, settings: request.settings)
            var data = try encoder.encode(Line(index: index, record: record))
            data.append(0x0A)
            try DescriptorWriting.writeAll(data, to: output)
        }
    }
}
