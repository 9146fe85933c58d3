import DagronSDK
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A running plugin host process and the host's ends of its channels: the
/// event pipe (written), the answer pipe (read) and the progress page.
///
/// The child is started in a process group of its own, so the terminal's
/// Ctrl-C reaches dagron only: dagron decides when a plugin stops.
struct IsolatedProcess: Sendable {
    /// The child's process id (and process group).
    let pid: pid_t
    /// Where the host writes ``HostFrame``s.
    let events: Int32
    /// Where the host reads ``ChildFrame``s.
    let replies: Int32
    /// Where the child says how far it got.
    let progress: ProgressPage

    /// A spawn that failed: what failed, in words.
    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    static func spawn(executable: String, arguments: [String]) throws(SpawnError) -> IsolatedProcess {
        func failure(_ what: String) -> SpawnError {
            SpawnError(description: "\(what): \(String(cString: strerror(errno)))")
        }
        let progress: ProgressPage
        do { progress = try ProgressPage.create() } catch { throw SpawnError(description: "shared memory: \(error)") }
        guard let events = SpawnSupport.makePipe() else { throw failure("pipe") }
        guard let replies = SpawnSupport.makePipe() else {
            close(events.read)
            close(events.write)
            throw failure("pipe")
        }
        let eventsRead = SpawnSupport.moved(events.read, above: 5)
        let repliesWrite = SpawnSupport.moved(replies.write, above: 5)
        let page = SpawnSupport.moved(progress.descriptor, above: 5)
        defer {
            close(events.read)
            close(replies.write)
            if eventsRead != events.read { close(eventsRead) }
            if repliesWrite != replies.write { close(repliesWrite) }
            if page != progress.descriptor { close(page) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, eventsRead, PluginHostChild.eventDescriptor)
        posix_spawn_file_actions_adddup2(&actions, repliesWrite, PluginHostChild.replyDescriptor)
        posix_spawn_file_actions_adddup2(&actions, page, PluginHostChild.progressDescriptor)
        SpawnSupport.startInInvocationDirectory(&actions)
        var pid: pid_t = 0
        let argv = [executable] + arguments
        // Its own process group; default signal handling and an empty mask
        // whatever dagron set for itself.
        let spawned = ChildProcessSignals.withSpawnAttributes(ownProcessGroup: true) { attributes in
            SpawnSupport.withCStrings(argv) { cArgv in
                SpawnSupport.withCStrings(SpawnSupport.childEnvironment()) { cEnvp in
                    posix_spawn(&pid, executable, &actions, &attributes, cArgv, cEnvp)
                }
            }
        }
        guard spawned == 0 else {
            close(events.write)
            close(replies.read)
            throw SpawnError(description: String(cString: strerror(spawned)))
        }
        return IsolatedProcess(pid: pid, events: events.write, replies: replies.read, progress: progress)
    }

    /// Kills the child and anything it started in its group.
    func killGroup() {
        _ = kill(-pid, SIGKILL)
        _ = kill(pid, SIGKILL)
    }
}
