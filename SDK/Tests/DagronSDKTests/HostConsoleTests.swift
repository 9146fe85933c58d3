@_spi(DagronHost) import DagronSDK
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// ``HostConsole``: whole lines reach the host's sink with their stream;
/// with no sink, the plain stream.
@Suite(.serialized) struct HostConsoleTests {
    @Test func linesAndBlocksReachTheSinkWholeWithTheirStream() {
        let received = Mutex<[String]>([])
        HostConsole.install { text, stream in received.withTrackedLock { $0.append("\(stream.rawValue):\(text)") } }
        defer { HostConsole.install(nil) }
        #expect(HostConsole.isInstalled)
        HostConsole.print("Dashboard: http://127.0.0.1:1/")
        HostConsole.printBlock("a\nb", to: .error)
        HostConsole.printBlock("c\n")
        #expect(
            received.withTrackedLock { $0 } == [
                "output:Dashboard: http://127.0.0.1:1/\n", "error:a\nb\n", "output:c\n",
            ])
    }

    @Test func withoutASinkTextGoesToThePlainStream() throws {
        HostConsole.install(nil)
        #expect(!HostConsole.isInstalled)
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let saved = dup(2)
        try #require(saved >= 0)
        dup2(ends[1], 2)
        HostConsole.print("to standard error", to: .error)
        dup2(saved, 2)
        close(saved)
        close(ends[1])
        // Tests run in parallel and Swift Testing reports on standard error,
        // so the pipe may also hold other lines: read it to its end, hand
        // those lines back to the real standard error, and look for ours.
        var captured: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(ends[0], &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            captured += buffer.prefix(count)
        }
        close(ends[0])
        let lines = String(decoding: captured, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let others = lines.filter { $0 != "to standard error" && !$0.isEmpty }
        for line in others {
            _ = (line + "\n").utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        }
        #expect(lines.contains("to standard error"))
    }

    @Test func aRecordCarriesTheLevelItsPluginChose() {
        let chosen = LogRecord(level: .info, label: "p", message: "m", minimumLevel: .info)
        let plain = LogRecord(level: .info, label: "p", message: "m")
        #expect(chosen.minimumLevel == .info)
        #expect(plain.minimumLevel == nil)
    }
}
