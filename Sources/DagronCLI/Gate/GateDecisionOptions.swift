import ArgumentParser
import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation

/// The arguments `dagron gate approve` and `reject` share.
struct GateDecisionOptions: ParsableArguments {
    @OptionGroup var runDirectory: RunDirectoryArgument

    @Argument(help: "The gate node's name.", completion: .custom { GateNameCompletion.complete($0, $1, $2) })
    var name: String

    @Option(
        help:
            "Why. Kept with the decision in the run directory; a rejection's reason also goes into the result and to plugins."
    )
    var reason: String?

    @Option(
        help: ArgumentHelp(
            "How long to wait for the run to apply the decision, \(Self.waitBounds) (do not wait), such as 30, 1.5s or 5m.",
            valueName: "duration"))
    var wait = "10"

    /// What `--wait` accepts: from 1 ms to 365 days, or 0.
    static let waitBounds = DurationBounds(longest: DurationBounds.year, allowsZero: true)

    /// `--wait` in seconds, once ``validate()`` accepted it.
    private var waitSeconds: Double { DurationText.seconds(wait) ?? 0 }

    func validate() throws {
        guard let seconds = DurationText.seconds(wait), Self.waitBounds.contains(seconds) else {
            throw ValidationError(
                "--wait: expected a duration \(Self.waitBounds) (do not wait), such as 30, 1.5s or 5m, got '\(wait)'")
        }
    }

    /// Submits `verdict` and waits for the run to apply it.
    /// - Throws: an exit code after printing what went wrong: 2 for a wrong
    ///   directory or gate name, 1 for a gate already decided or a finished run.
    func submit(_ verdict: GateDecision.Verdict) throws {
        let directory = RunDirectory(path: runDirectory.runDir)
        let decision = GateDecision(
            verdict: verdict, reason: reason, decidedBy: ProcessInfo.processInfo.environment["USER"],
            decidedAt: WallClock.now())
        do {
            try GateFileBridge.submit(decision, gate: name, in: directory)
        } catch {
            printError(error.description)
            switch error {
            case .notARunDirectory, .unknownGate: throw ExitStatus.usage
            default: throw ExitStatus.failure
            }
        }
        let wanted: GateStatus = verdict == .approve ? .approved : .rejected
        let deadline = ContinuousClock.now + Duration(clampingSeconds: waitSeconds)
        while true {
            // Liveness first: the run writes a gate's final status before it
            // ends, so a status read after seeing the run over is final.
            let live = GateFileBridge.isLive(directory)
            if let status = GateFileBridge.status(of: name, in: directory), status.status.isResolved {
                if status.status == wanted {
                    print("gate '\(name)' \(wanted.rawValue)")
                    return
                }
                printError("gate '\(name)' is \(status.status.rawValue), not \(wanted.rawValue)")
                throw ExitStatus.failure
            }
            if !live {
                printError("the run in \(runDirectory.runDir) ended before it applied the decision")
                throw ExitStatus.failure
            }
            if ContinuousClock.now >= deadline { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        print(
            "gate '\(name)': \(verdict == .approve ? "approval" : "rejection") recorded; the run applies it when it reaches the gate"
        )
    }
}
