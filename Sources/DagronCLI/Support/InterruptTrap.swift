import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns SIGINT and SIGTERM into a callback instead of death, so an
/// interrupted run can stop its children, tear down plugins and print its
/// summary. A second signal while stopping runs `onForce` (which kills what
/// is left) and exits at once with 130.
final class InterruptTrap: Sendable {
    // Immutable after init; DispatchSource's resume/cancel are thread-safe.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]
    private let count = Atomic<Int>(0)
    /// The signal that arrived first, or 0.
    private let received = Atomic<Int32>(0)

    /// Installs the handlers; `onInterrupt` runs once, on the first signal.
    init(onInterrupt: @escaping @Sendable (Int32) -> Void, onForce: @escaping @Sendable () -> Void) {
        let numbers = [SIGINT, SIGTERM]
        for number in numbers { signal(number, SIG_IGN) }
        sources = numbers.map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
        for (number, source) in zip(numbers, sources) {
            source.setEventHandler { [self] in
                if count.add(1, ordering: .sequentiallyConsistent).newValue > 1 {
                    try? FileHandle.standardError.write(contentsOf: Data("\ndagron: interrupted again: killing running commands and exiting\n".utf8))
                    onForce()
                    Foundation.exit(130)
                }
                received.store(number, ordering: .sequentiallyConsistent)
                onInterrupt(number)
            }
            source.resume()
        }
    }

    /// Whether a signal arrived.
    var wasInterrupted: Bool { received.load(ordering: .sequentiallyConsistent) != 0 }

    /// Removes the handlers and restores the default actions.
    func remove() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
