@_spi(DagronHost) public import DagronSDK
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Connects a run's ``GateController`` to its run directory, so gates can be
/// decided from another process without a dashboard.
///
/// While the run lasts, ``start()`` polls `gates/<gate>.decision` files
/// (written by ``submit(_:gate:in:)``, which `dagron gate approve|reject`
/// calls) and applies them, and keeps `gates/<gate>.status` current. A
/// decision may arrive before the gate is reached; it is kept until then.
public final class GateFileBridge: Sendable {
    /// Why a decision could not be submitted.
    public enum SubmitError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The directory holds no `run.json`.
        case notARunDirectory(String)
        /// The pipeline has no gate of that name.
        case unknownGate(String, known: [String])
        /// The gate was decided (or timed out) already.
        case alreadyResolved(String, GateStatus)
        /// Someone already submitted a decision that the run has not applied yet.
        case alreadySubmitted(String)
        /// The run is over.
        case runFinished(String)
        /// The `dagron run` that owns the directory is no longer running.
        case runNotRunning(String, processID: Int32)
        /// The decision file could not be written.
        case writeFailed(String)

        /// A sentence a user can act on.
        public var description: String {
            switch self {
            case .notARunDirectory(let path): "\(path) is not a dagron run directory (no run.json)"
            case .unknownGate(let name, let known):
                "the pipeline has no gate named '\(name)'"
                    + (known.isEmpty ? " (it has no gates)" : "; gates: \(known.joined(separator: ", "))")
            case .alreadyResolved(let name, let status): "gate '\(name)' is already \(status.rawValue)"
            case .alreadySubmitted(let name): "a decision for gate '\(name)' is already waiting to be applied"
            case .runFinished(let path): "the run in \(path) has finished"
            case .runNotRunning(let path, let pid): "the run in \(path) is not running (process \(pid) has exited)"
            case .writeFailed(let why): "cannot write the decision: \(why)"
            }
        }
    }

    /// The run directory.
    public let directory: RunDirectory
    /// The run's gates.
    public let gates: GateController
    /// Each gate's message, by name.
    public let messages: [String: String]
    /// How often decision files are looked for.
    public let interval: Duration
    private let poller = Mutex<Task<Void, Never>?>(nil)
    private let written = Mutex<[String: GateStatusFile]>([:])

    /// Creates a bridge.
    public init(
        directory: RunDirectory, gates: GateController, messages: [String: String] = [:],
        interval: Duration = .milliseconds(100)
    ) {
        self.directory = directory
        self.gates = gates
        self.messages = messages
        self.interval = interval
    }

    /// Writes every gate's status and starts polling for decisions.
    public func start() {
        sync()
        let task = Task { [self] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                sync()
            }
        }
        poller.withTrackedLock { $0 = task }
    }

    /// Stops polling after applying pending decisions and writing final statuses.
    public func stop() {
        poller.withTrackedLock { $0 }?.cancel()
        sync()
    }

    /// Applies decision files and rewrites status files that changed.
    ///
    /// Calls are serialized (the poller and ``stop()`` may overlap), so an
    /// older status can never overwrite a newer one.
    public func sync() {
        written.withTrackedLock { written in
            for name in gates.names {
                let decisionPath = directory.gateDecisionPath(name)
                if let decision = try? RunDirectory.readJSON(GateDecision.self, from: decisionPath) {
                    switch decision.verdict {
                    case .approve: try? gates.approve(name)
                    case .reject: try? gates.reject(name, reason: decision.reason)
                    }
                    try? FileManager.default.moveItem(atPath: decisionPath, toPath: decisionPath + ".applied")
                }
                guard let gate = gates.gate(named: name) else { continue }
                let current = GateStatusFile(status: gate.status, message: messages[name], reason: gate.rejectionReason)
                guard written[name] != current else { continue }
                written[name] = current
                try? RunDirectory.writeJSON(current, to: directory.gateStatusPath(name))
            }
        }
    }

    /// Submits `decision` for `gate` to the run in `directory`, from any process.
    /// - Throws: ``SubmitError``.
    public static func submit(_ decision: GateDecision, gate: String, in directory: RunDirectory) throws(SubmitError) {
        guard let manifest = try? RunDirectory.readJSON(RunManifest.self, from: directory.manifestPath) else {
            throw .notARunDirectory(directory.path)
        }
        guard manifest.gates[gate] != nil else { throw .unknownGate(gate, known: manifest.gates.keys.sorted()) }
        if let status = try? RunDirectory.readJSON(GateStatusFile.self, from: directory.gateStatusPath(gate)),
            status.status.isResolved
        {
            throw .alreadyResolved(gate, status.status)
        }
        if FileManager.default.fileExists(atPath: directory.resultPath) { throw .runFinished(directory.path) }
        guard isRunning(manifest.processID) else { throw .runNotRunning(directory.path, processID: manifest.processID) }
        let path = directory.gateDecisionPath(gate)
        if FileManager.default.fileExists(atPath: path) { throw .alreadySubmitted(gate) }
        do {
            try RunDirectory.writeJSON(decision, to: path)
        } catch {
            throw .writeFailed(String(describing: error))
        }
    }

    /// Whether the run that owns `directory` is still going: its result is
    /// not written and its process is alive.
    public static func isLive(_ directory: RunDirectory) -> Bool {
        guard !FileManager.default.fileExists(atPath: directory.resultPath),
            let manifest = try? RunDirectory.readJSON(RunManifest.self, from: directory.manifestPath)
        else { return false }
        return isRunning(manifest.processID)
    }

    private static func isRunning(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// The status the run last wrote for `gate`, if any.
    public static func status(of gate: String, in directory: RunDirectory) -> GateStatusFile? {
        try? RunDirectory.readJSON(GateStatusFile.self, from: directory.gateStatusPath(gate))
    }
}
