import Foundation
import Testing

/// `Mutex.withLock` hands a contended lock over inside the kernel, where
/// ThreadSanitizer cannot see it, so the TSan suites report false races on
/// any mutex taken with it under contention. Every mutex in the repository
/// (engine, SDK, plugins and test helpers alike) goes through the SDK's
/// `withTrackedLock`; this test keeps it that way.
@Suite("Tracked locks")
struct TrackedLockUsageTests {
    private static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("no Swift source takes a Mutex with plain withLock")
    func everyMutexIsTracked() throws {
        var offenders: [String] = []
        for folder in ["Sources", "SDK/Sources", "SDK/Tests", "Plugins", "Tests"] {
            let root = Self.repository.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
                Issue.record("cannot list \(root.path)")
                continue
            }
            for case let file as URL in files where file.pathExtension == "swift" {
                // The one place allowed to call it (withTrackedLock itself), and this test.
                if ["TrackedLock.swift", "TrackedLockUsageTests.swift"].contains(file.lastPathComponent) { continue }
                let text = try String(contentsOf: file, encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.contains(".withLock {") || line.contains(".withLock(")
                    || line.contains(".withLockIfAvailable")
                {
                    offenders.append("\(file.path.dropFirst(Self.repository.path.count + 1)):\(number + 1)")
                }
            }
        }
        #expect(offenders.isEmpty, "use withTrackedLock instead of withLock at: \(offenders.joined(separator: ", "))")
    }
}
