import DagronSDK
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// ``ChildProcessSignals``: a child spawned with its attributes starts with
/// no standard signal ignored or blocked, although this process ignores
/// `SIGPIPE` (as `dagron` does) and the spawning thread blocks `SIGUSR2`;
/// one spawned without them inherits both. The child is `cat
/// /proc/self/status` itself (a shell would reset its own mask).
@Suite(.serialized) struct ChildProcessSignalsTests {
    /// The child's `SigBlk` and `SigIgn` masks, signals 1-31 only (glibc's
    /// `posix_spawn` ignores its own real-time signals 32 and 33 in every child).
    private struct Masks: Equatable {
        var blocked: UInt64
        var ignored: UInt64
    }

    @Test func aChildStartsWithEverySignalAtItsDefault() throws {
        #expect(try Self.childMasks(attributes: true) == Masks(blocked: 0, ignored: 0))
    }

    /// The control: without the attributes the child inherits both, so the
    /// test above can tell the difference.
    @Test func withoutTheAttributesTheChildInheritsIgnoredAndBlockedSignals() throws {
        let masks = try Self.childMasks(attributes: false)
        #expect(masks.ignored & Self.bit(SIGPIPE) != 0)
        #expect(masks.blocked & Self.bit(SIGUSR2) != 0)
    }

    @Test func ownProcessGroupMakesTheChildLeadOne() throws {
        let leader = try Self.run("/proc/self/stat") { pid, actions, argv in
            ChildProcessSignals.withSpawnAttributes(ownProcessGroup: true) {
                posix_spawn(&pid, Self.cat, actions, &$0, argv, nil)
            }
        }
        #expect(Self.leadsItsGroup(leader))
        let member = try Self.run("/proc/self/stat") { pid, actions, argv in
            ChildProcessSignals.withSpawnAttributes { posix_spawn(&pid, Self.cat, actions, &$0, argv, nil) }
        }
        #expect(!Self.leadsItsGroup(member))
    }

    // MARK: Helpers

    private static let cat = "/bin/cat"

    private static func bit(_ signal: Int32) -> UInt64 { 1 << UInt64(signal - 1) }

    /// Whether a `/proc/<pid>/stat` line's process id (field 1) is its
    /// process group id (field 5; the command, field 2, holds no space here).
    private static func leadsItsGroup(_ stat: String) -> Bool {
        let fields = stat.split(separator: " ")
        return fields.count > 5 && fields[0] == fields[4]
    }

    private static func childMasks(attributes: Bool) throws -> Masks {
        signal(SIGPIPE, SIG_IGN)
        var usr2 = sigset_t()
        sigemptyset(&usr2)
        sigaddset(&usr2, SIGUSR2)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &usr2, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let status = try run("/proc/self/status") { pid, actions, argv in
            attributes
                ? ChildProcessSignals.withSpawnAttributes { posix_spawn(&pid, cat, actions, &$0, argv, nil) }
                : posix_spawn(&pid, cat, actions, nil, argv, nil)
        }
        var masks = Masks(blocked: .max, ignored: .max)
        for line in status.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            guard fields.count == 2, let value = UInt64(fields[1], radix: 16) else { continue }
            if fields[0] == "SigBlk:" { masks.blocked = value & 0x7FFF_FFFF }
            if fields[0] == "SigIgn:" { masks.ignored = value & 0x7FFF_FFFF }
        }
        return masks
    }

    private struct SpawnFailure: Error {
        let code: Int32
    }

    /// Runs `cat file`, started by `spawn` with file actions that send its
    /// standard output to a file; returns that output.
    private static func run(
        _ file: String,
        spawn: (
            inout pid_t, UnsafePointer<posix_spawn_file_actions_t>, UnsafePointer<UnsafeMutablePointer<CChar>?>
        ) -> Int32
    ) throws -> String {
        let path = "/tmp/dagron-sdk-signals-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        defer { unlink(path) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let words: [String] = [cat, file]
        let arguments = words.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = arguments.withUnsafeBufferPointer { spawn(&pid, &actions, $0.baseAddress!) }
        guard spawned == 0 else { throw SpawnFailure(code: spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SpawnFailure(code: errno) }
        defer { close(fd) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            output += buffer[0..<count]
        }
        return String(decoding: output, as: UTF8.self)
    }
}
