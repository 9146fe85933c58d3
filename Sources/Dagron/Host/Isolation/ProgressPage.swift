import DagronSystemShims
import Foundation
import Synchronization

/// A page of memory shared by dagron and an isolated plugin's host process,
/// through which the child says where it is without a system call: the
/// sequence number of the event it started and of the last it finished.
///
/// The host reads it to tell a slow plugin from a stalled one, and, after a
/// crash, which event the plugin was handling.
final class ProgressPage: @unchecked Sendable {
    // @unchecked: the words are only read and written atomically.
    private let base: UnsafeMutableRawPointer
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    /// The memory file, to hand to the child (the host side); -1 in the child.
    let descriptor: Int32

    private static let size = 4096
    private static let wordCount = 3

    private init(base: UnsafeMutableRawPointer, descriptor: Int32, initialize: Bool) {
        self.base = base
        self.descriptor = descriptor
        if initialize {
            words = base.bindMemory(to: Atomic<UInt64>.self, capacity: Self.wordCount)
            for index in 0..<Self.wordCount { (words + index).initialize(to: Atomic(0)) }
        } else {
            words = base.assumingMemoryBound(to: Atomic<UInt64>.self)
        }
    }

    deinit {
        munmap(base, Self.size)
        if descriptor >= 0 { close(descriptor) }
    }

    /// Creates the page in the host. - Throws: the `errno` of what failed.
    static func create() throws -> ProgressPage {
        let fd = dagron_shared_memory_file("dagron-plugin-progress", Self.size)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard let base = mmap(nil, Self.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            let saved = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: saved) ?? .EIO)
        }
        return ProgressPage(base: base, descriptor: fd, initialize: true)
    }

    /// Maps the page the host passed as `descriptor` (in the child).
    static func attach(descriptor fd: Int32) -> ProgressPage? {
        guard let base = mmap(nil, Self.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            return nil
        }
        close(fd)
        return ProgressPage(base: base, descriptor: -1, initialize: false)
    }

    /// The sequence number (from 1) of the last event the child started.
    var started: UInt64 {
        get { words[0].load(ordering: .acquiring) }
        set { words[0].store(newValue, ordering: .releasing) }
    }

    /// The sequence number of the last event the child finished.
    var finished: UInt64 {
        get { words[1].load(ordering: .acquiring) }
        set { words[1].store(newValue, ordering: .releasing) }
    }

    /// Bumped by the child whenever it does anything else (reads a frame,
    /// answers a request), so a busy child is never taken for a stalled one.
    var heartbeat: UInt64 {
        get { words[2].load(ordering: .acquiring) }
        set { words[2].store(newValue, ordering: .releasing) }
    }
}
