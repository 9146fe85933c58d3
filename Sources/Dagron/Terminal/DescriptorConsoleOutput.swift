@_spi(DagronHost) public import DagronSDK

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A ``ConsoleOutput`` on file descriptors: the status line on the output
/// descriptor (a terminal), text on the output or error descriptor.
public struct DescriptorConsoleOutput: ConsoleOutput {
    /// Where ``HostConsole/Stream/output`` text and the status line go.
    public let output: Int32
    /// Where ``HostConsole/Stream/error`` text goes.
    public let error: Int32

    /// Standard output and standard error.
    public static let standard = DescriptorConsoleOutput(output: 1, error: 2)

    /// Creates an output on `output` and `error`.
    public init(output: Int32, error: Int32) {
        self.output = output
        self.error = error
    }

    /// The ANSI sequence that erases the cursor's line: carriage return, erase line.
    public static let eraseLine = "\r\u{1B}[2K"

    public func clearStatusLine() {
        Self.writeAll(Self.eraseLine, to: output)
    }

    public func write(_ text: String, to stream: HostConsole.Stream) {
        Self.writeAll(text, to: stream == .error ? error : output)
    }

    public func drawStatusLine(_ line: String) {
        Self.writeAll(Self.eraseLine + line, to: output)
    }

    /// Writes all of `text`, retrying interrupted and short writes; a closed
    /// reader is ignored, as for any other output.
    static func writeAll(_ text: String, to descriptor: Int32) {
        try? DescriptorWriting.writeAll(text, to: descriptor)
    }
}
