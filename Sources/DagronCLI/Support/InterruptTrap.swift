import Dagron
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Turns SIGINT, SIGTERM, SIGHUP and SIGQUIT into callbacks instead of
/// death, so an interrupted run can stop its children, tear down plugins, write
/// `result.json` and print its summary. SIGHUP is what a run gets when its
/// terminal goes away (an SSH connection dropped, a terminal window closed):
/// its nodes run in process groups of their own and would not get it, so
/// dying of it would leave them running and lose `result.json`.
///
/// The run then has a grace period to stop in order. If a second SIGINT or
/// SIGTERM arrives first, or the grace period passes (a plugin hook that
/// never returns keeps the run from finishing), `onForce` runs once: it must
/// end the process. A repeated SIGHUP does not hurry the run (a hangup
/// often comes twice, from the kernel and from the shell passing it on to
/// its jobs). SIGQUIT (Ctrl-\\) asks to quit at once: it skips the orderly
/// stop and goes straight to `onForce`, which leaves nothing of the run
/// running and still writes `result.json` (dying of it, as by default,
/// would do neither).
final class InterruptTrap: Sendable {
    /// Why the trap gave up on an orderly stop.
    enum Escalation: Sendable {
        /// A SIGINT or SIGTERM arrived after the first signal.
        case secondSignal
        /// The grace period after the first signal passed.
        case gracePeriodOver
        /// SIGQUIT (Ctrl-\\) arrived: quit at once.
        case quitSignal
    }

    /// The grace period when nothing else is said.
    static let defaultGrace: Duration = .seconds(10)

    // Immutable after init; DispatchSource's resume/cancel are thread-safe.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]
    private let count = Atomic<Int>(0)
    /// The signal that arrived first, or 0.
    private let received = Atomic<Int32>(0)
    private let escalated = Atomic<Bool>(false)
    private let removed = Atomic<Bool>(false)

    /// The signals the trap catches.
    static let signals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    /// Installs the handlers. `onInterrupt` runs once, on the first signal;
    /// `onForce` at most once, on SIGQUIT (right after `onInterrupt` when it
    /// is the first), on a later SIGINT or SIGTERM, or when `grace` has
    /// passed since the first (unless ``remove()`` came first).
    init(
        grace: Duration,
        onInterrupt: @escaping @Sendable (Int32) -> Void,
        onForce: @escaping @Sendable (Escalation) -> Never
    ) {
        let numbers = Self.signals
        for number in numbers { signal(number, SIG_IGN) }
        sources = numbers.map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
        let escalate: @Sendable (Escalation) -> Void = { [self] escalation in
            guard !removed.load(ordering: .sequentiallyConsistent),
                escalated.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
            else { return }
            let message =
                switch escalation {
                case .secondSignal: "\ndagron: interrupted again: killing running commands and exiting\n"
                case .quitSignal: "\ndagron: SIGQUIT: killing running commands and exiting at once\n"
                case .gracePeriodOver:
                    "\ndagron: the run did not stop within \(DurationText.format(Self.seconds(grace))) of the interrupt "
                        + "(a plugin hook may be stuck): writing the result, killing running commands and exiting\n"
                }
            try? DescriptorWriting.writeAll(message, to: STDERR_FILENO)
            onForce(escalation)
        }
        for (number, source) in zip(numbers, sources) {
            source.setEventHandler { [self] in
                let first = count.add(1, ordering: .sequentiallyConsistent).newValue == 1
                if first {
                    received.store(number, ordering: .sequentiallyConsistent)
                    if number != SIGQUIT {
                        DispatchQueue.global().asyncAfter(deadline: .now() + Self.seconds(grace)) {
                            escalate(.gracePeriodOver)
                        }
                    }
                    // Also before SIGQUIT's forced end: the run then knows its
                    // nodes are being cancelled, not failing.
                    onInterrupt(number)
                }
                if number == SIGQUIT {
                    escalate(.quitSignal)
                } else if !first, number != SIGHUP {
                    escalate(.secondSignal)
                }
            }
            source.resume()
        }
    }

    /// Whether a signal arrived.
    var wasInterrupted: Bool { received.load(ordering: .sequentiallyConsistent) != 0 }

    /// Removes the handlers, disarms the grace period and restores the default actions.
    func remove() {
        removed.store(true, ordering: .sequentiallyConsistent)
        for source in sources { source.cancel() }
        for number in Self.signals { signal(number, SIG_DFL) }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
