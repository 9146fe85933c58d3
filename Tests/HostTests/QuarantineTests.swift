import Dagron
import Foundation
import Testing

/// The quarantine store (`PluginQuarantine`) on real files: where it lives,
/// what it keeps, and what it does with whatever was left at its path.
@Suite("PluginQuarantine: the store of plugin faults")
struct QuarantineTests {
    /// 2026-12-03 10:11:12 UTC.
    static let december3 = 1_796_292_672.0

    private func crash(at time: Double = december3, node: String? = "b") -> PluginFault {
        PluginFault(kind: .crashed, signal: SIGABRT, phase: "event", event: "post_node", node: node, at: time)
    }

    /// A scratch folder with a stand-in plugin file (a quarantine only looks at a file's identity).
    private func scratch() throws -> (directory: TemporaryDirectory, plugin: String, quarantine: PluginQuarantine) {
        let directory = try TemporaryDirectory("dagron-quarantine")
        let plugin = try directory.write("not really a library", to: "libPlugin.so")
        return (directory, plugin, PluginQuarantine(path: directory.path + "/state/dagron/quarantine.json"))
    }

    private func mode(of path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    // MARK: Hostile files at the path

    @Test(
        "a missing, empty, corrupt, wrongly shaped or foreign-format file reads as empty and is replaced by the next record"
    )
    func unusableFilesReadAsEmpty() throws {
        let (directory, plugin, _) = try scratch()
        let path = directory.path + "/quarantine.json"
        let quarantine = PluginQuarantine(path: path)
        #expect(quarantine.entries().isEmpty, "missing")
        #expect(quarantine.entry(forFile: plugin) == nil)
        for contents in [
            "", "{", "\u{0}\u{1}garbage", "[]", "{\"format\": 1}", "{\"format\": 2, \"entries\": []}",
            "{\"format\": 1, \"entries\": 7}", "null",
        ] {
            try directory.write(contents, to: "quarantine.json")
            #expect(quarantine.entries().isEmpty, "contents \(contents.debugDescription)")
            #expect(quarantine.entry(forFile: plugin) == nil)
            #expect(quarantine.record(plugin: "p", file: plugin, fault: crash()) == nil)
            #expect(quarantine.entry(forFile: plugin)?.count == 1, "after recording over \(contents.debugDescription)")
            try quarantine.clearAll()
        }
    }

    @Test("an entry that does not decode or makes no sense is skipped; the others are kept")
    func badEntriesAreSkipped() throws {
        let (directory, plugin, quarantine) = try scratch()
        #expect(quarantine.record(plugin: "good", file: plugin, fault: crash()) == nil)
        let text = try String(contentsOfFile: quarantine.path, encoding: .utf8)
        let good = try #require(text.range(of: "\"entries\" : ["))
        let spoiled = text.replacingCharacters(
            in: good,
            with: """
                "entries" : [ {"plugin": 1}, "text", {"plugin": "zero", "file": "\(plugin)", "count": 0, "firstAt": 1,
                  "identity": {"device": 1, "inode": 1, "size": 1, "modifiedSeconds": 1, "modifiedNanoseconds": 1},
                  "fault": {"kind": "crashed", "phase": "event", "at": 1}},
                  {"plugin": "huge", "count": 1e300}, {"plugin": "future", "fault": {"kind": "melted"}},
                """)
        try directory.write(spoiled, to: "state/dagron/quarantine.json", mode: 0o600)
        #expect(quarantine.entries().map(\.plugin) == ["good"])
        #expect(quarantine.entry(forFile: plugin)?.plugin == "good")
    }

    @Test("a directory, a FIFO or a file larger than 4 MiB at the path reads as empty and never hangs or crashes")
    func directoryFIFOAndHugeFile() throws {
        let (directory, plugin, _) = try scratch()
        let seeded = PluginQuarantine(path: directory.path + "/seed.json")
        #expect(seeded.record(plugin: "p", file: plugin, fault: crash()) == nil)
        #expect(seeded.entry(forFile: plugin) != nil)

        // A directory: reads as empty; recording fails with a warning naming the path.
        let folder = try directory.subdirectory("folder.json")
        let atFolder = PluginQuarantine(path: folder)
        #expect(atFolder.entries().isEmpty)
        let warning = try #require(atFolder.record(plugin: "p", file: plugin, fault: crash()))
        #expect(warning.contains("cannot quarantine plugin 'p'") && warning.contains(folder), "\(warning)")
        #expect(try atFolder.clearAll() == 0, "nothing to clear, so nothing to write")

        // A FIFO: opening it must not wait for a writer.
        let fifo = directory.path + "/fifo.json"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(PluginQuarantine(path: fifo).entries().isEmpty)

        // Valid JSON, but over the 4 MiB cap: not read at all.
        let valid = try String(contentsOfFile: seeded.path, encoding: .utf8)
        let padded = valid.replacingOccurrences(
            of: "\"format\"",
            with: "\"padding\" : \"\(String(repeating: "x", count: PluginQuarantine.readLimit))\", \"format\"")
        let huge = try directory.write(padded, to: "huge.json")
        #expect(PluginQuarantine(path: huge).entries().isEmpty)
        // …and just under the cap it is read, so the cap is what made the difference.
        let fitting = valid.replacingOccurrences(
            of: "\"format\"",
            with:
                "\"padding\" : \"\(String(repeating: "x", count: PluginQuarantine.readLimit - valid.utf8.count - 64))\", \"format\""
        )
        let large = try directory.write(fitting, to: "large.json")
        #expect(PluginQuarantine(path: large).entries().count == 1)
    }

    @Test("an unreadable file reads as empty (for a user other than root), and recording replaces it")
    func unreadableFile() throws {
        let (directory, plugin, _) = try scratch()
        let quarantine = PluginQuarantine(path: directory.path + "/quarantine.json")
        #expect(quarantine.record(plugin: "p", file: plugin, fault: crash()) == nil)
        chmod(quarantine.path, 0)
        if geteuid() == 0 {
            // root reads any file: the entry is still there.
            #expect(quarantine.entry(forFile: plugin)?.count == 1)
        } else {
            #expect(quarantine.entries().isEmpty)
        }
        #expect(quarantine.record(plugin: "p", file: plugin, fault: crash()) == nil)
        #expect(mode(of: quarantine.path) == 0o600)
        #expect(quarantine.entry(forFile: plugin) != nil)
    }

    @Test("a symbolic link planted at the path is neither read nor written through: the record replaces the link")
    func symlinkAtThePath() throws {
        let (directory, plugin, _) = try scratch()
        // The victim holds a valid quarantine, so following the link would show its entry.
        let victim = PluginQuarantine(path: directory.path + "/victim.json")
        #expect(victim.record(plugin: "victim", file: plugin, fault: crash()) == nil)
        let before = try Data(contentsOf: URL(fileURLWithPath: victim.path))
        let link = directory.path + "/quarantine.json"
        #expect(symlink(victim.path, link) == 0)
        let quarantine = PluginQuarantine(path: link)
        #expect(quarantine.entries().isEmpty, "the link must not be followed when reading")

        #expect(quarantine.record(plugin: "mine", file: plugin, fault: crash()) == nil)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: victim.path)) == before, "the link's target must not be written")
        var info = stat()
        #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFREG, "the link is replaced by a regular file")
        #expect(quarantine.entry(forFile: plugin)?.plugin == "mine")
    }

    @Test(
        "a symbolic link planted as the lock file is not followed: recording fails with a warning, the target is untouched"
    )
    func symlinkAsTheLock() throws {
        let (directory, plugin, _) = try scratch()
        let target = try directory.write("keep me", to: "target")
        let quarantine = PluginQuarantine(path: directory.path + "/quarantine.json")
        #expect(symlink(target, quarantine.path + ".lock") == 0)
        let warning = try #require(quarantine.record(plugin: "p", file: plugin, fault: crash()))
        #expect(warning.contains(quarantine.path + ".lock"), "\(warning)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me")
        #expect(!FileManager.default.fileExists(atPath: quarantine.path))
    }

    @Test("writes create the folder 0700 and the file 0600, leave no temporary files, and end in a newline")
    func modesAndAtomicity() throws {
        let (directory, plugin, quarantine) = try scratch()
        #expect(quarantine.record(plugin: "p", file: plugin, fault: crash()) == nil)
        #expect(mode(of: directory.path + "/state") == 0o700)
        #expect(mode(of: directory.path + "/state/dagron") == 0o700)
        #expect(mode(of: quarantine.path) == 0o600)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/state/dagron").sorted()
        #expect(names == ["quarantine.json", "quarantine.json.lock"])
        #expect(try String(contentsOfFile: quarantine.path, encoding: .utf8).hasSuffix("}\n"))
    }

    @Test("a file where the folder should be: a warning, no crash")
    func fileInPlaceOfTheFolder() throws {
        let (directory, plugin, _) = try scratch()
        try directory.write("", to: "state")
        let quarantine = PluginQuarantine(path: directory.path + "/state/dagron/quarantine.json")
        let warning = try #require(quarantine.record(plugin: "p", file: plugin, fault: crash()))
        #expect(warning.contains(directory.path + "/state"), "\(warning)")
        #expect(quarantine.entries().isEmpty)
    }

    // MARK: What is kept

    @Test("the latest fault per file, a count and the first time; found through any path to the file")
    func latestFaultCountAndFirstTime() throws {
        let (directory, plugin, quarantine) = try scratch()
        #expect(quarantine.record(plugin: "p", file: plugin, fault: crash(at: Self.december3 - 60, node: "a")) == nil)
        #expect(quarantine.record(plugin: "p", file: plugin, fault: crash(at: Self.december3)) == nil)
        let entry = try #require(quarantine.entry(forFile: plugin))
        #expect(entry.plugin == "p")
        #expect(entry.count == 2)
        #expect(entry.firstAt == Self.december3 - 60)
        #expect(entry.fault == crash(at: Self.december3))
        #expect(
            entry.description == """
                crashed with signal 6 (SIGABRT) in post_node (node 'b') at 2026-12-03 10:11:12 UTC, 2 times; \
                run isolated until rebuilt or cleared (dagron plugins clear p)
                """)
        let link = directory.path + "/libLink.so"
        #expect(symlink(plugin, link) == 0)
        #expect(quarantine.entry(forFile: link) == entry)
        #expect(quarantine.entry(forFile: directory.path + "/./libPlugin.so") == entry)
        #expect(quarantine.entries() == [entry])
    }

    @Test("a touched, rebuilt or deleted file is no longer quarantined, and its entry is dropped at the next write")
    func changedFilesAreReleased() throws {
        let (directory, plugin, quarantine) = try scratch()
        let other = try directory.write("another", to: "libOther.so")
        let gone = try directory.write("soon gone", to: "libGone.so")
        for file in [plugin, other, gone] { #expect(quarantine.record(plugin: "p", file: file, fault: crash()) == nil) }
        #expect(quarantine.entries().count == 3)

        // Touched: same contents, new modification time.
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, plugin, &times, 0) == 0)
        #expect(quarantine.entry(forFile: plugin) == nil)
        // Rebuilt: a new file renamed over the old one.
        let rebuilt = try directory.write("another, rebuilt", to: "libOther.so.new")
        #expect(rename(rebuilt, other) == 0)
        #expect(quarantine.entry(forFile: other) == nil)
        unlink(gone)
        #expect(quarantine.entries().isEmpty)

        // The stale records are still in the file until the next write drops them.
        #expect(try String(contentsOfFile: quarantine.path, encoding: .utf8).contains("libGone.so"))
        let fresh = try directory.write("fresh", to: "libFresh.so")
        #expect(quarantine.record(plugin: "fresh", file: fresh, fault: crash()) == nil)
        let text = try String(contentsOfFile: quarantine.path, encoding: .utf8)
        #expect(
            !text.contains("libGone.so") && !text.contains("libOther.so") && !text.contains("libPlugin.so"), "\(text)")

        // A fault of the changed file starts a new count.
        #expect(quarantine.record(plugin: "p", file: plugin, fault: crash()) == nil)
        #expect(quarantine.entry(forFile: plugin)?.count == 1)
    }

    @Test("recording a file that does not exist returns a warning")
    func missingPluginFile() throws {
        let (directory, _, quarantine) = try scratch()
        let warning = try #require(
            quarantine.record(plugin: "p", file: directory.path + "/libMissing.so", fault: crash()))
        #expect(warning.contains(directory.path + "/libMissing.so"))
    }

    @Test("clear by file, by plugin and all, each saying how many it removed")
    func clearing() throws {
        let (directory, plugin, quarantine) = try scratch()
        let second = try directory.write("two", to: "libTwo.so")
        let third = try directory.write("three", to: "libThree.so")
        #expect(quarantine.record(plugin: "p", file: plugin, fault: crash()) == nil)
        #expect(quarantine.record(plugin: "q", file: second, fault: crash()) == nil)
        #expect(quarantine.record(plugin: "q", file: third, fault: crash()) == nil)
        #expect(try quarantine.clear(plugin: "nobody") == 0)
        #expect(try quarantine.clear(file: directory.path + "/libNone.so") == 0)
        #expect(try quarantine.clear(file: plugin) == 1)
        #expect(quarantine.entry(forFile: plugin) == nil)
        #expect(try quarantine.clear(plugin: "q") == 2)
        #expect(quarantine.entries().isEmpty)
        #expect(quarantine.record(plugin: "p", file: plugin, fault: crash()) == nil)
        #expect(try quarantine.clearAll() == 1)
        #expect(quarantine.entries().isEmpty)
    }

    @Test("beyond the entry limit the entries with the oldest faults are dropped")
    func entryLimit() throws {
        let (directory, plugin, quarantine) = try scratch()
        let files = try (0..<(PluginQuarantine.entryLimit + 8)).map { try directory.write("\($0)", to: "lib\($0).so") }
        let entries = try files.enumerated().map { index, file in
            let (path, identity) = try #require(PluginFileIdentity.resolve(file))
            return QuarantineEntry(
                plugin: "p\(index)", file: path, identity: identity, fault: crash(at: Double(index)), count: 1,
                firstAt: Double(index))
        }
        let stored = try JSONSerialization.jsonObject(with: JSONEncoder().encode(entries))
        let data = try JSONSerialization.data(withJSONObject: ["format": 1, "entries": stored])
        try FileManager.default.createDirectory(
            atPath: directory.path + "/state/dagron", withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: quarantine.path))
        #expect(quarantine.entries().count == files.count, "reading does not trim")
        #expect(quarantine.record(plugin: "new", file: plugin, fault: crash()) == nil)
        let kept = quarantine.entries()
        #expect(kept.count == PluginQuarantine.entryLimit)
        #expect(kept.contains { $0.plugin == "new" })
        #expect(!kept.contains { $0.plugin == "p0" } && !kept.contains { $0.plugin == "p8" })
        #expect(kept.contains { $0.plugin == "p9" })
    }

    @Test(
        "a long detail is cut; line breaks never reach the one-line description; odd times and names are shown safely")
    func oneLineDescription() throws {
        let (directory, plugin, quarantine) = try scratch()
        defer { withExtendedLifetime(directory) {} }
        var fault = PluginFault(
            kind: .stalled, phase: "event", event: "pre_node", node: "n", at: Self.december3,
            detail: "line one\nline two" + String(repeating: "x", count: 5000))
        #expect(quarantine.record(plugin: "my plugin", file: plugin, fault: fault) == nil)
        let entry = try #require(quarantine.entry(forFile: plugin))
        #expect(entry.fault.detail?.count == PluginQuarantine.detailLimit + 1)
        #expect(!entry.description.contains("\n"))
        #expect(entry.description.hasPrefix("stalled in pre_node (node 'n'): line one line two"))
        #expect(entry.description.hasSuffix("(dagron plugins clear 'my plugin')"))
        fault.detail = nil
        fault.kind = .exited
        fault.exitCode = 3
        fault.event = nil
        fault.phase = "initialize"
        #expect(quarantine.record(plugin: "p", file: plugin, fault: fault) == nil)
        #expect(
            quarantine.entry(forFile: plugin)?.summary
                == "exited with status 3 in initialize at 2026-12-03 10:11:12 UTC, 2 times")
        #expect(QuarantineEntry.utcText(0) == "1970-01-01 00:00:00 UTC")
        #expect(QuarantineEntry.utcText(1e300) == "an unknown time")
        #expect(QuarantineEntry.utcText(.nan) == "an unknown time")
        #expect(QuarantineEntry.utcText(-.infinity) == "an unknown time")
    }

    // MARK: Concurrency

    @Test("writers at the same time lose nothing: every record of every writer is kept and counted")
    func concurrentWriters() throws {
        let (directory, plugin, quarantine) = try scratch()
        let files = try (0..<8).map { try directory.write("\($0)", to: "libWriter\($0).so") }
        // Each writer records its own file 10 times and the shared one 10 times;
        // every call opens and locks the store on its own, as separate processes do.
        DispatchQueue.concurrentPerform(iterations: files.count) { writer in
            for round in 0..<10 {
                _ = quarantine.record(
                    plugin: "w\(writer)", file: files[writer], fault: crash(at: Self.december3 + Double(round)))
                _ = quarantine.record(plugin: "shared", file: plugin, fault: crash())
            }
        }
        for file in files {
            #expect(quarantine.entry(forFile: file)?.count == 10, "\(file)")
        }
        #expect(quarantine.entry(forFile: plugin)?.count == 80)
    }

    // MARK: Where it lives

    @Test("standard: DAGRON_QUARANTINE (0 disables, a path moves it), else XDG_STATE_HOME, else ~/.local/state")
    func standardLocation() {
        #expect(
            PluginQuarantine.standard(environment: ["HOME": "/h"])?.path == "/h/.local/state/dagron/quarantine.json")
        #expect(
            PluginQuarantine.standard(environment: ["HOME": "/h", "XDG_STATE_HOME": "/s"])?.path
                == "/s/dagron/quarantine.json")
        #expect(
            PluginQuarantine.standard(environment: ["HOME": "/h", "XDG_STATE_HOME": "relative"])?.path
                == "/h/.local/state/dagron/quarantine.json")
        #expect(
            PluginQuarantine.standard(environment: ["HOME": "/h", "DAGRON_QUARANTINE": "/q.json"])?.path == "/q.json")
        #expect(
            PluginQuarantine.standard(environment: ["HOME": "/h", "DAGRON_QUARANTINE": "relative.json"])?.path
                == "/h/.local/state/dagron/quarantine.json")
        for off in ["0", "off", "OFF", "no", "false"] {
            #expect(PluginQuarantine.standard(environment: ["HOME": "/h", "DAGRON_QUARANTINE": off]) == nil)
        }
        #expect(PluginQuarantine.standard(environment: [:]) == nil)
        #expect(PluginQuarantine.standard(environment: ["HOME": ""]) == nil)
    }
}
