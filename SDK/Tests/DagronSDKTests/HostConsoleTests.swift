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
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(ends[0], &buffer, buffer.count)
        close(ends[0])
        #expect(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self) == "to standard error\n")
    }

    @Test func aRecordCarriesTheLevelItsPluginChose() {
        let chosen = LogRecord(level: .info, label: "p", message: "m", minimumLevel: .info)
        let plain = LogRecord(level: .info, label: "p", message: "m")
        #expect(chosen.minimumLevel == .info)
        #expect(plain.minimumLevel == nil)
    }
}
