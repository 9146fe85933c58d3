import Testing

@testable import Dagron

#if canImport(Glibc)
    import Glibc
#endif

/// ``UserTextFile`` reads a file whose size `fstat` does not tell: files in
/// `/proc` say 0 bytes and hold more. Read whole, never cut at the size
/// `fstat` gave; past the limit, refused.
@Suite struct UserTextFileTests {
    @Test func aFileLargerThanItsStatSizeIsReadWhole() throws {
        let text = try UserTextFile(path: "/proc/self/status").text(limit: 1 << 20)
        #expect(text.hasPrefix("Name:"))
        #expect(text.contains("\nSigIgn:"), "cut short: \(text)")
    }

    @Test func aFileThatGrowsPastTheLimitIsRefused() throws {
        #expect(throws: UserTextFile.Failure.grewPastLimit(limit: 16)) {
            try UserTextFile(path: "/proc/self/status").text(limit: 16)
        }
    }

    @Test func aSymbolicLinkIsRefusedWhenLinksAreNotFollowed() throws {
        #expect(throws: UserTextFile.Failure.unreadable(code: ELOOP)) {
            _ = try UserTextFile(path: "/proc/self/exe", noFollow: true)
        }
    }
}
