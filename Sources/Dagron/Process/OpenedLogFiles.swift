@_spi(DagronHost) import DagronSDK
import Synchronization
import SystemPackage

/// A node's two log files, created and opened for appending ahead of the
/// node by ``LogFilePreparer``: the node's first attempt takes them
/// (``take()``) instead of opening both files again by path. The preparer
/// made both (they did not exist before), so they are empty when taken.
/// Whatever is not taken is closed when the last reference goes.
final class OpenedLogFiles: Sendable {
    /// Standard output's and standard error's descriptors, until taken.
    private let descriptors: Mutex<(standardOutput: FileDescriptor, standardError: FileDescriptor)?>

    /// Owns the two open descriptors.
    init(standardOutput: FileDescriptor, standardError: FileDescriptor) {
        descriptors = Mutex((standardOutput, standardError))
    }

    /// The two descriptors, now the caller's to close; `nil` once taken.
    func take() -> (standardOutput: FileDescriptor, standardError: FileDescriptor)? {
        descriptors.withTrackedLock { descriptors in
            defer { descriptors = nil }
            return descriptors
        }
    }

    deinit {
        guard let left = take() else { return }
        try? left.standardOutput.close()
        try? left.standardError.close()
    }
}
