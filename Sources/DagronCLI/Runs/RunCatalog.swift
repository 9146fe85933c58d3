import Dagron
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The runs in a runs folder (`.dagron/runs` by default), newest first.
///
/// A run is a real directory (not a symbolic link) holding a `run.json`
/// that reads as a ``RunManifest``; everything else in the folder (the
/// `latest` link, stray files, other directories) is not a run and is left
/// out, so nothing built on the catalog can touch it.
struct RunCatalog {
    /// The runs folder, as given.
    let base: String
    /// The runs, newest first (by `startedAt`, then by name).
    let runs: [RunEntry]
    /// How many entries of the folder are not runs.
    let others: Int

    /// Reads the runs in `base`; an absent folder has none.
    /// - Throws: ``ExitStatus/usage`` after printing why `base` cannot be read.
    static func read(_ base: String, now: Double = Date().timeIntervalSince1970) throws -> RunCatalog {
        var info = stat()
        guard lstat(base, &info) == 0 else {
            if errno == ENOENT { return RunCatalog(base: base, runs: [], others: 0) }
            printError("cannot read \(base): \(String(cString: strerror(errno)))")
            throw ExitStatus.usage
        }
        guard info.st_mode & S_IFMT == S_IFDIR, let names = try? FileManager.default.contentsOfDirectory(atPath: base)
        else {
            printError("\(base) is not a directory of runs")
            throw ExitStatus.usage
        }
        let latest = (try? FileManager.default.destinationOfSymbolicLink(atPath: base + "/latest")).map {
            ($0 as NSString).lastPathComponent
        }
        var runs: [RunEntry] = []
        var others = 0
        for name in names.sorted() where !name.hasPrefix(".latest-") {
            let path = base + "/" + name
            guard let entry = entry(at: path, name: name, latest: latest, now: now) else {
                if name != "latest" { others += 1 }
                continue
            }
            runs.append(entry)
        }
        runs.sort { ($0.startedAtSeconds, $0.runDirectory) > ($1.startedAtSeconds, $1.runDirectory) }
        return RunCatalog(base: base, runs: runs, others: others)
    }

    /// The run in `path`, or `nil` when it is not a run directory.
    private static func entry(at path: String, name: String, latest: String?, now: Double) -> RunEntry? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        let directory = RunDirectory(path: path)
        guard let manifest = try? RunDirectory.readJSON(RunManifest.self, from: directory.manifestPath),
            manifest.startedAt.isFinite
        else { return nil }
        let result = try? RunDirectory.readJSON(ResultSummary.self, from: directory.resultPath)
        let running = RunLiveness.isRunning(manifest)
        let outcome = running ? "running" : result?.outcome ?? "unfinished"
        let duration = running ? max(0, now - manifest.startedAt) : result?.durationSeconds
        return RunEntry(
            runDirectory: path, pipeline: manifest.pipeline, name: manifest.name,
            startedAt: ISOTime.text(manifest.startedAt), outcome: outcome,
            durationSeconds: duration.flatMap { $0.isFinite ? $0 : nil }, sizeBytes: DiskUsage.bytes(path),
            latest: latest == name, processID: manifest.processID, startedAtSeconds: manifest.startedAt)
    }

    /// What the catalog reads of a `result.json`.
    private struct ResultSummary: Decodable {
        var outcome: String?
        var durationSeconds: Double?
    }
}
