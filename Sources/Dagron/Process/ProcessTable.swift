import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A snapshot of the processes on this machine, read from `/proc` (Linux),
/// and what the run needs to know of each: its parent, its process group,
/// whether it is a zombie, and its environment.
public struct ProcessTable: Sendable {
    /// One process of the snapshot.
    public struct Entry: Sendable, Equatable {
        /// The process id.
        public var id: Int32
        /// The parent's process id.
        public var parent: Int32
        /// The process group id.
        public var group: Int32
        /// The state letter of `/proc/PID/stat` (`R`, `S`, `D`, `Z`, ...).
        public var state: Character

        /// Whether the process has exited and waits to be reaped (or is being removed).
        public var isZombie: Bool { state == "Z" || state == "X" || state == "x" }
    }

    /// The processes, in no particular order.
    public let entries: [Entry]

    /// Reads the processes now running. Empty where there is no `/proc`.
    public static func current() -> ProcessTable {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var entries: [Entry] = []
        entries.reserveCapacity(names.count)
        for name in names {
            guard let id = Int32(name), id > 0, let entry = entry(of: id) else { continue }
            entries.append(entry)
        }
        return ProcessTable(entries: entries)
    }

    /// Parses `/proc/PID/stat` of process `id`; `nil` if it is gone or unreadable.
    public static func entry(of id: Int32) -> Entry? {
        guard let stat = try? String(contentsOfFile: "/proc/\(id)/stat", encoding: .utf8) else { return nil }
        // `pid (comm) state ppid pgrp ...`: comm may hold spaces and parentheses, so split after the last `)`.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count >= 3, let state = fields[0].first,
            let parent = Int32(fields[1]), let group = Int32(fields[2])
        else { return nil }
        return Entry(id: id, parent: parent, group: group, state: state)
    }

    /// The live (not zombie) processes descended from process `ancestor`,
    /// following parent links (`ancestor` itself excluded).
    public func liveDescendants(of ancestor: Int32) -> [Entry] {
        var parentOf: [Int32: Int32] = [:]
        for entry in entries { parentOf[entry.id] = entry.parent }
        return entries.filter { entry in
            guard !entry.isZombie, entry.id != ancestor else { return false }
            var current = entry.parent
            var steps = 0
            while current > 1, steps < 4096 {
                if current == ancestor { return true }
                guard let next = parentOf[current] else { return false }
                current = next
                steps += 1
            }
            return current == ancestor
        }
    }

    /// The value of the environment variable `name` in process `id`'s
    /// environment as it was when it started (`/proc/PID/environ`), or `nil`
    /// if it has none or the process cannot be read (gone, a zombie, another user's).
    public static func environmentValue(_ name: String, of id: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(id)/environ") else { return nil }
        let prefix = Array((name + "=").utf8)
        for entry in data.split(separator: 0, omittingEmptySubsequences: true) where entry.starts(with: prefix) {
            return String(decoding: entry.dropFirst(prefix.count), as: UTF8.self)
        }
        return nil
    }
}
