import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs blocking work (plugin initialize/teardown, which may wait for their
/// own servers) on a thread of its own, not on the Swift concurrency pool.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try work() })
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func waitUntil(
    timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(100),
    _ condition: @Sendable () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// A fresh temporary folder, removed by the caller with `cleanUp()`.
struct TemporaryFolder: Sendable {
    let url: URL

    init() throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("dagron-plugin-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}

/// Captures what plugins send to the host's log sink while installed.
final class HostLogCapture: Sendable {
    private let records = Mutex<[LogRecord]>([])

    /// Installs the capture as the host sink.
    init() {
        HostLog.install { [self] record in self.records.withTrackedLock { $0.append(record) } }
    }

    var all: [LogRecord] { records.withTrackedLock { $0 } }

    /// Removes the sink.
    func uninstall() { HostLog.install(nil) }
}

/// Loads `plugins` from their .so files into a new ``PluginManager`` with
/// `settings`, initializes them off the concurrency pool and returns the
/// manager. Throws the first initialization failure.
func loadedManager(_ plugins: [(BundledPlugin, [String: String])]) async throws -> PluginManager {
    let manager = PluginManager(warningHandler: { _ in })
    for (bundled, settings) in plugins {
        let plugin = try PluginLoader.make(bundled)
        manager.register(plugin, settings: PluginSettings(plugin: plugin.name, settings), origin: bundled.path)
    }
    let failures = try await offPool { manager.initializeAll() }
    if let failure = failures.first {
        try await offPool { manager.teardownAll() }
        throw failure
    }
    return manager
}

/// Tears every plugin of `manager` down, off the concurrency pool.
func tearDown(_ manager: PluginManager) async throws {
    try await offPool { manager.teardownAll() }
}

/// Configures and initializes `plugin` on a throwaway registry, returning the error it throws.
func initializationError(_ bundled: BundledPlugin, _ settings: [String: String]) async throws -> (any Error)? {
    let plugin = try PluginLoader.make(bundled)
    return try await offPool { () -> (any Error)? in
        do {
            try plugin.configure(PluginSettings(plugin: plugin.name, settings))
            try plugin.initialize(hooks: HookRegistry())
            plugin.teardown()
            return nil
        } catch {
            return error
        }
    }
}

/// A node failure with a recognisable message.
struct NodeBoom: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Builds a DAG from `edges` (and lone `nodes`) and executes it with `tasks`
/// on `manager`'s hooks.
func run(
    _ manager: PluginManager, nodes: [String], edges: [(String, String)], tasks: [String: NodeTask],
    failFast: Bool = false
) async throws -> ExecutionResult {
    let builder = DAGBuilder(hooks: manager.hooks)
    for node in nodes { builder.addNode(node) }
    for (from, to) in edges { builder.addEdge(from, to) }
    let dag = try builder.build()
    return await DAGExecutor(dag, hooks: manager.hooks, maxWorkers: 4, failFast: failFast).execute(tasks)
}

/// A task that sleeps `seconds` on its worker.
func sleeping(_ seconds: Double) -> NodeTask {
    .sync {
        Thread.sleep(forTimeInterval: seconds)
        return nil
    }
}

/// A task that throws `message`.
func failing(_ message: String) -> NodeTask {
    .sync { throw NodeBoom(message: message) }
}

/// A thread of this process: its id and the time it started (clock ticks
/// since boot), which together name it even if the kernel reuses the id.
struct ThreadIdentity: Hashable, CustomStringConvertible {
    var id: Int
    var startTicks: Int
    var description: String { "\(id)@\(startTicks)" }
}

/// This process's threads whose name starts with `prefix` (NIO's event-loop
/// threads are `NIO-ELT-*`). Not names alone: every plugin links its own
/// copy of NIO, and each copy numbers its groups from zero, so names repeat.
/// The threads a plugin started are the ones that appeared while it was
/// loaded, whatever an earlier test's client is still winding down.
/// The listing is read twice and merged: one pass over `/proc/self/task`
/// can skip an entry while another thread exits.
func threads(named prefix: String) -> Set<ThreadIdentity> {
    let tasks = Set(
        (0..<2).flatMap { _ in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [] })
    return Set(
        tasks.compactMap { task -> ThreadIdentity? in
            guard let id = Int(task),
                let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                name.hasPrefix(prefix),
                let start = startTicks(ofThread: id)
            else { return nil }
            return ThreadIdentity(id: id, startTicks: start)
        })
}

/// When thread `id` of this process started (clock ticks since boot), or
/// `nil` if there is no such thread.
private func startTicks(ofThread id: Int) -> Int? {
    guard let stat = try? String(contentsOfFile: "/proc/self/task/\(id)/stat", encoding: .utf8),
        let afterName = stat.lastIndex(of: ")")
    else { return nil }
    // Fields after the parenthesised name: state is field 3, starttime field 22.
    let fields = stat[stat.index(after: afterName)...].split(separator: " ")
    return fields.count > 19 ? Int(fields[19]) : nil
}

/// This process's NIO event-loop threads.
func eventLoopThreads() -> Set<ThreadIdentity> { threads(named: "NIO-ELT") }

/// The threads named with `prefix` that are not in `before`, once exactly
/// `count` of them are seen. Listing `/proc/self/task` can skip an entry
/// while other threads exit (an earlier test's clients winding down), so
/// this looks again, for up to 2 seconds; it returns what it saw last.
func newThreads(named prefix: String, since before: Set<ThreadIdentity>, expecting count: Int) async -> Set<
    ThreadIdentity
> {
    let found = Mutex(Set<ThreadIdentity>())
    _ = await waitUntil(timeout: .seconds(2), every: .milliseconds(10)) {
        let new = threads(named: prefix).subtracting(before)
        found.withTrackedLock { $0 = new }
        return new.count == count
    }
    return found.withTrackedLock { $0 }
}

/// Whether the threads `threads` are gone. A joined thread's `/proc` entry
/// can outlive `pthread_join` by a moment (the kernel reaps it just after it
/// wakes the joiner), so this allows up to 5 seconds for that.
func threadsEnded(_ threads: Set<ThreadIdentity>) async -> Bool {
    await waitUntil(timeout: .seconds(5), every: .milliseconds(10)) {
        // Gone, or the id now belongs to a thread started later.
        threads.allSatisfy { startTicks(ofThread: $0.id) != $0.startTicks }
    }
}

/// Whether something on 127.0.0.1 accepts a TCP connection on `port` (one
/// plain `connect(2)`: an HTTP client would retry a refused connection until
/// its deadline).
func acceptsConnections(port: Int) -> Bool {
    let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { Glibc.close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    } == 0
}

/// How many file descriptors this process has open.
func openDescriptorCount() -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).count
}

/// Runs `executable` with `arguments`, feeding `input` on stdin; returns the
/// exit status and everything it printed.
func runTool(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> (status: Int32, output: String)
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(input) }
    try stdin.fileHandleForWriting.close()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
}

/// A loopback TCP port nobody listens on right now.
func freePort() throws -> Int {
    let socket = try ListeningSocket(backlog: 1)
    defer { socket.close() }
    return socket.port
}

/// A socket bound to 127.0.0.1 on a free port that listens but never
/// accepts: a client's connection succeeds and its request is never answered.
final class ListeningSocket: Sendable {
    let descriptor: Int32
    let port: Int

    init(backlog: Int32 = 16) throws {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(descriptor, backlog) == 0 else {
            Glibc.close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = Int(UInt16(bigEndian: actual.sin_port))
    }

    func close() { Glibc.close(descriptor) }
}

/// Calls `probe` every 50 ms until it returns a value, and returns it.
/// - Throws: a failure naming `what` after `seconds`.
func pollUntil<Value>(_ what: String, seconds: Double = 30, _ probe: () async throws -> Value?) async throws -> Value {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if let value = try await probe() { return value }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw PollTimeout(what: what, seconds: seconds)
}

/// ``pollUntil(_:seconds:_:)`` gave up.
struct PollTimeout: Error, CustomStringConvertible {
    let what: String
    let seconds: Double
    var description: String { "timed out after \(seconds) s waiting until \(what)" }
}

extension String {
    /// `nil` for the empty string.
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

/// Runs `body` with this process's standard error (descriptor 2) going to a
/// temporary file, then puts standard error back, repeats there what was
/// written (so nothing the test framework printed meanwhile is lost) and
/// returns it. Suites using it must not run in parallel with others that
/// print on standard error.
func capturingStandardError(_ body: () async throws -> Void) async throws -> String {
    let path = NSTemporaryDirectory() + "dagron-stderr-\(UUID().uuidString)"
    let file = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0o600)
    guard file >= 0 else { throw POSIXError(.EIO) }
    defer { unlink(path) }
    fflush(nil)
    let saved = dup(2)
    dup2(file, 2)
    close(file)
    do {
        defer {
            fflush(nil)
            dup2(saved, 2)
            close(saved)
        }
        try await body()
    }
    let written = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    FileHandle.standardError.write(Data(written.utf8))
    return written
}
