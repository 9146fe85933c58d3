import ArgumentParser
import Dagron
import Foundation

extension RunsCommand {
    /// `dagron runs prune --keep N | --older-than AGE`: removes old run directories.
    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Remove old run directories: all but the newest N, or those started longer ago than an age.",
            discussion: """
                Only run directories are removed (a directory with a run.json); a run in progress (its \
                dagron process is alive) is never removed, nor is anything else in the folder. `latest` \
                is pointed at the newest run left. Prints each run removed and the space freed.

                With --json: one object with dryRun, removed, keptRunning and freedBytes.

                Exit codes: 0 done (also when nothing was to be removed); 1 a run could not be removed; \
                2 a wrong option or an unreadable runs folder.
                """
        )

        @OptionGroup var folder: RunsFolderOptions

        @Option(help: ArgumentHelp("Keep the newest N runs (0 to 1000000) and remove the others.", valueName: "n"))
        var keep: Int?

        @Option(
            help: ArgumentHelp("Remove the runs started longer ago than this: \(AgeText.expected).", valueName: "age"))
        var olderThan: String?

        @Flag(help: "Show what would be removed and the space it would free, and remove nothing.")
        var dryRun = false

        @OptionGroup var reporting: JSONOutputOption

        /// What `--keep` accepts.
        static let keepBounds = 0...1_000_000

        func validate() throws {
            switch (keep, olderThan) {
            case (nil, nil):
                throw ValidationError("give --keep N or --older-than AGE (such as --keep 10 or --older-than 7d)")
            case (.some, .some): throw ValidationError("--keep and --older-than contradict each other: give one")
            default: break
            }
            if let keep, !Self.keepBounds.contains(keep) {
                throw ValidationError("--keep: expected an integer from 0 to 1000000, got \(keep)")
            }
            if let olderThan, AgeText.seconds(olderThan) == nil {
                throw ValidationError("--older-than: expected \(AgeText.expected), got '\(olderThan)'")
            }
        }

        func run() throws {
            let now = Date().timeIntervalSince1970
            let catalog = try RunCatalog.read(folder.base, now: now)
            let chosen: [RunEntry]
            if let keep {
                chosen = Array(catalog.runs.dropFirst(keep))
            } else {
                let age = olderThan.flatMap(AgeText.seconds) ?? .infinity
                chosen = catalog.runs.filter { now - $0.startedAtSeconds > age }
            }
            var removed: [RunEntry] = []
            var kept: [RunEntry] = []
            var failed = false
            for run in chosen {
                // Asked again right before removing: a run may have been reused by --run-dir since.
                if run.isRunning || Self.isRunningNow(run) {
                    kept.append(run)
                    if !reporting.json {
                        print(
                            "kept     \(TerminalText.escaped(run.runDirectory)): in progress (process \(run.processID))"
                        )
                    }
                    continue
                }
                if !dryRun {
                    do {
                        try FileManager.default.removeItem(atPath: run.runDirectory)
                    } catch {
                        failed = true
                        printError("cannot remove \(run.runDirectory): \(SystemErrorText.reason(error))")
                        continue
                    }
                }
                removed.append(run)
                if !reporting.json {
                    print(
                        "\(dryRun ? "would remove" : "removed") \(TerminalText.escaped(run.runDirectory)) (\(DiskUsage.text(run.sizeBytes)))"
                    )
                }
            }
            if !dryRun, !removed.isEmpty { repointLatest(catalog: catalog, removed: removed) }
            let freed = removed.reduce(Int64(0)) { $0 + $1.sizeBytes }
            if reporting.json {
                try JSONOutput.print(PruneJSON(dryRun: dryRun, removed: removed, keptRunning: kept, freedBytes: freed))
            } else {
                let count = "\(removed.count) run\(removed.count == 1 ? "" : "s")"
                print(
                    dryRun
                        ? "--dry-run: would remove \(count), freeing \(DiskUsage.text(freed)); nothing was removed"
                        : "removed \(count), freed \(DiskUsage.text(freed))")
            }
            if failed { throw ExitStatus.failure }
        }

        /// Whether the directory's manifest, read again now, names a live run.
        private static func isRunningNow(_ run: RunEntry) -> Bool {
            guard
                let manifest = try? RunDirectory.readJSON(
                    RunManifest.self, from: RunDirectory(path: run.runDirectory).manifestPath)
            else {
                return false
            }
            return RunLiveness.isRunning(manifest)
        }

        /// Points `latest` at the newest run left, or removes it when it
        /// pointed at a removed run and none is left.
        private func repointLatest(catalog: RunCatalog, removed: [RunEntry]) {
            let link = catalog.base + "/latest"
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link),
                removed.contains(where: {
                    ($0.runDirectory as NSString).lastPathComponent == (target as NSString).lastPathComponent
                })
            else { return }
            let gone = Set(removed.map(\.runDirectory))
            if let newest = catalog.runs.first(where: { !gone.contains($0.runDirectory) }) {
                do {
                    _ = try RunDirectory(path: newest.runDirectory).markLatest(
                        under: catalog.base, startedAt: newest.startedAtSeconds)
                } catch {
                    printWarning("cannot point \(link) at \(newest.runDirectory): \(SystemErrorText.reason(error))")
                }
            } else {
                try? FileManager.default.removeItem(atPath: link)
            }
        }
    }
}
